// Staged variants (`needs`): spec errors located, the plan orders parents first
// and writes the parent's run id into the child (so the child's id follows its
// parent's config), the scheduler's gate, `status`'s "waiting for", and the
// worker's parent checkpoint.
//
// These tests refer to the parent through `model.name: "run:<variant>"`, a free
// string of the resolved config that the model accepts today, so that they do
// not depend on the recipe's train.init keys; the references are generic (any
// value "run:<variant>"). StagedPlan.TrainInitRefersToTheParent uses
// train.init.from itself and is skipped while the recipe rejects that key.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "../data/data_test_support.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "sweep/plan.hpp"
#include "sweep/run_needs.hpp"
#include "sweep/status_table.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/worker.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// Lines 1-6: name and base; `variants:` is line 7.
std::string spec(const std::string& variants, const std::string& extra = "seeds: [1, 2]\n") {
  return "name: e\n"
         "base:\n"
         "  model: " + config("models/dilated.yaml") + "\n"
         "  data: " + config("data/shapes.yaml") + "\n"
         "  train: " + config("train/quick.yaml") + "\n"
         "  set: {model.width: 4, data.image_size: 32, data.train.count: 16, train.epochs: 2}\n"
         "variants:\n" + variants + extra;
}

std::string plan_error(const std::string& path) {
  try {
    load_sweep_plan(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage) << e.what();  // exit 2
    return e.what();
  }
  return "";
}

TEST(StagedPlan, ParentsArePlannedFirstAndChildrenCarryTheParentsId) {
  TempDir dir("staged_order");
  // The child is written first: the plan still runs the parent first.
  const auto plan = load_sweep_plan(dir.write(
      "e.yaml", spec("  child: {needs: parent, model.name: \"run:parent\", model.rates: [1, 2]}\n"
                     "  parent: {model.rates: [1, 1]}\n",
                     "grid: {train.optimizer.lr: [0.01, 0.003]}\nseeds: [1, 2]\n")));
  ASSERT_EQ(plan.runs.size(), 8u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(plan.runs[i].planned.variant, "parent");
    EXPECT_EQ(plan.runs[i].parent_id, "");
  }
  for (size_t i = 4; i < 8; ++i) {
    const auto& child = plan.runs[i];
    EXPECT_EQ(child.planned.variant, "child");
    EXPECT_EQ(child.planned.needs, "parent");
    const auto& parent = plan.runs[i - 4];  // same grid point and seed
    EXPECT_EQ(parent.planned.seed, child.planned.seed);
    EXPECT_EQ(parent.planned.grid_values, child.planned.grid_values);
    EXPECT_EQ(child.parent_id, parent.id);
    EXPECT_EQ(child.config.resolved["model"]["name"], "run:" + parent.id);
    const auto refs = run_references(child.config.resolved);
    ASSERT_EQ(refs.size(), 1u);
    EXPECT_EQ(refs[0], std::make_pair(std::string("model.name"), parent.id));
  }
  // The variant list itself stays in file order (the report's default baseline is the first).
  EXPECT_EQ(plan.spec.variants.front().name, "child");
  // The dry-run table says which run each child waits for.
  const Table t = plan_table(plan, dir / "none.db");
  const auto after = std::find(t.columns.begin(), t.columns.end(), "after") - t.columns.begin();
  ASSERT_LT(static_cast<size_t>(after), t.columns.size());
  EXPECT_EQ(cell_text(t.rows[0][after]), "-");
  EXPECT_EQ(cell_text(t.rows[5][after]), plan.runs[1].id.substr(0, 12));
}

TEST(StagedPlan, ChangingTheParentChangesTheChildsId) {
  TempDir dir("staged_ids");
  const auto a = load_sweep_plan(dir.write(
      "a.yaml", spec("  parent: {model.rates: [1, 1]}\n  child: {needs: parent, model.name: \"run:parent\"}\n")));
  const auto b = load_sweep_plan(dir.write(
      "b.yaml", spec("  parent: {model.rates: [1, 2]}\n  child: {needs: parent, model.name: \"run:parent\"}\n")));
  ASSERT_EQ(a.runs.size(), 4u);
  ASSERT_EQ(b.runs.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NE(a.runs[i].id, b.runs[i].id) << i;  // the children too
  // The child's own settings are unchanged: only the parent's id differs.
  nlohmann::json ca = a.runs[2].config.resolved, cb = b.runs[2].config.resolved;
  ca["model"].erase("name");
  cb["model"].erase("name");
  EXPECT_EQ(ca, cb);
  // A grandchild follows its grandparent through its parent.
  const auto c = load_sweep_plan(dir.write(
      "c.yaml", spec("  parent: {model.rates: [1, 1]}\n  child: {needs: parent, model.name: \"run:parent\"}\n"
                     "  grandchild: {needs: child, model.name: \"run:child\", model.rates: [1, 2]}\n")));
  const auto d = load_sweep_plan(dir.write(
      "d.yaml", spec("  parent: {model.rates: [1, 2, 4]}\n  child: {needs: parent, model.name: \"run:parent\"}\n"
                     "  grandchild: {needs: child, model.name: \"run:child\", model.rates: [1, 2]}\n")));
  EXPECT_NE(c.runs[4].id, d.runs[4].id);
  EXPECT_EQ(c.runs[4].parent_id, c.runs[2].id);
}

TEST(StagedPlan, SpecErrorsAreLocated) {
  TempDir dir("staged_errors");
  struct Case {
    std::string variants, expected;
  } cases[] = {
      // `variants:` is line 7, the first variant line 8, the second line 9.
      {"  a: {}\n  b: {needs: nope, model.name: \"run:a\"}\n", "e.yaml:9:7: variant 'b' needs 'nope', which is not one "
                                                             "of the variants (a, b)"},
      {"  a: {needs: b, model.name: \"run:b\"}\n  b: {needs: a, model.name: \"run:a\"}\n",
       "e.yaml:8:7: variant 'a' needs a variant that needs it back (a -> b -> a)"},
      {"  a: {needs: a}\n", "e.yaml:8:7: variant 'a' needs itself"},
      {"  a: {}\n  b: {needs: [a]}\n", "e.yaml:9:7: 'needs' expects the name of another variant"},
      {"  a: {}\n  b: {needs: a, model.rates: [1, 1]}\n",
       "e.yaml:9:7: variant 'b' needs 'a' but none of its values refers to it"},
      {"  a: {}\n  b: {model.name: \"run:a\"}\n", "e.yaml:9:3: variant 'b' refers to \"run:a\" (model.name) but does "
                                              "not need it: add `needs: a`"},
      {"  a: {}\n  b: {model.rates: [1, 1]}\n  c: {needs: a, model.name: \"run:b\"}\n",
       "e.yaml:10:3: variant 'c' refers to \"run:b\" (model.name) but needs 'a'"},
  };
  for (const auto& c : cases) {
    const std::string err = plan_error(dir.write("e.yaml", spec(c.variants)));
    EXPECT_TRUE(testing::contains(err, c.expected)) << "expected: " << c.expected << "\ngot: " << err;
  }
  // A cycle not through the first variant is reported at a variant of the cycle.
  const std::string err = plan_error(dir.write(
      "e.yaml", spec("  a: {}\n  b: {needs: c, model.name: \"run:c\"}\n  c: {needs: b, model.name: \"run:b\"}\n")));
  EXPECT_TRUE(testing::contains(err, "e.yaml:9:7: variant 'b' needs a variant that needs it back (b -> c -> b)"))
      << err;
}

// Seeds and grid points are the spec's, shared by all variants, so a parent always
// has a run at the child's point; a plan given without it is a located error.
TEST(StagedPlan, AChildWithoutAParentRunAtItsSeedIsLocated) {
  TempDir dir("staged_seed");
  const std::string path =
      dir.write("e.yaml", spec("  a: {}\n  b: {needs: a, model.name: \"run:a\"}\n", "seeds: [1, 2]\n"));
  const ExperimentSpec s = load_experiment(path);
  auto runs = expand(s);
  ASSERT_EQ(runs.size(), 4u);
  runs.erase(runs.begin() + 1);  // a seed=2
  try {
    resolve_plan(s, runs);
    ADD_FAILURE() << "resolved";
  } catch (const Error& e) {
    EXPECT_TRUE(testing::contains(e.what(), "e.yaml:9:7: run 'b seed=2' needs a run of 'a' at the same grid point "
                                            "and seed"))
        << e.what();
  }
}

TEST(StagedPlan, TheGateStartsWaitsSkipsOrLeaves) {
  EXPECT_EQ(need_gate(RunStatus::done, false), NeedGate::ready);
  EXPECT_EQ(need_gate(RunStatus::done, true), NeedGate::ready);
  EXPECT_EQ(need_gate(RunStatus::queued, true), NeedGate::wait);
  EXPECT_EQ(need_gate(RunStatus::interrupted, true), NeedGate::wait);
  EXPECT_EQ(need_gate(RunStatus::running, true), NeedGate::wait);
  EXPECT_EQ(need_gate(RunStatus::running, false), NeedGate::wait);
  EXPECT_EQ(need_gate(RunStatus::queued, false), NeedGate::blocked);
  EXPECT_EQ(need_gate(RunStatus::interrupted, false), NeedGate::blocked);
  EXPECT_EQ(need_gate(RunStatus::failed, true), NeedGate::skip);
  EXPECT_EQ(need_gate(std::nullopt, false), NeedGate::skip);
  const RunNeed need{"0123456789abcdef", "frontend"};
  EXPECT_EQ(waiting_text(need), "waiting for frontend (0123456789ab)");
  EXPECT_EQ(skipped_text(need, RunStatus::failed, "the loss is nan"),
            "skipped: its parent frontend (0123456789ab) failed: the loss is nan");
}

TEST(StagedPlan, RunReferencesAreRunIdsOnly) {
  const nlohmann::json config = {{"train", {{"init", {{"from", "run:0123456789abcdef"}}}}},
                                 {"model", {{"name", "run:frontend"}, {"list", {"run:fedcba9876543210"}}}}};
  const auto refs = run_references(config);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0], std::make_pair(std::string("model.list.0"), std::string("fedcba9876543210")));
  EXPECT_EQ(refs[1], std::make_pair(std::string("train.init.from"), std::string("0123456789abcdef")));
  EXPECT_EQ(run_reference(nlohmann::json("run:x")), "x");
  EXPECT_FALSE(run_reference(nlohmann::json("runs/x")));
  EXPECT_FALSE(run_reference(nlohmann::json(3)));
}

store::RunRecord record(const std::string& id, const std::string& variant, const nlohmann::json& config) {
  store::RunRecord r;
  r.id = id;
  r.experiment = "e";
  r.variant = variant;
  r.config_json = config.dump();
  r.grid_json = "{}";
  return r;
}

TEST(StagedPlan, TheWorkerStartsFromTheParentsBestCheckpoint) {
  TempDir dir("staged_checkpoint");
  const std::string db = dir / "atrous.db";
  auto s = store::Store::open(db);
  s.ensure_experiment("e", "", "{}");
  const std::string parent = "0123456789abcdef";
  s.insert_run_if_absent(record(parent, "frontend", {{"train", {{"seed", 1}}}}));
  const auto child =
      nlohmann::json::parse(R"({"train": {"init": {"from": "run:0123456789abcdef", "layers": ["stack.*"]}}})");
  // Not done yet: refused (the scheduler never starts it then; a hand-started worker fails it).
  try {
    with_parent_checkpoint(s, db, child);
    ADD_FAILURE() << "a queued parent was accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(testing::contains(e.what(), "which is queued, not done")) << e.what();
  }
  s.set_status(parent, RunStatus::done);
  try {
    with_parent_checkpoint(s, db, child);
    ADD_FAILURE() << "a parent without checkpoints was accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(testing::contains(e.what(), "left no checkpoint")) << e.what();
  }
  const std::filesystem::path folder = run_dir(db, parent);
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "last.safetensors") << "x";
  EXPECT_EQ(with_parent_checkpoint(s, db, child)["train"]["init"]["from"], (folder / "last.safetensors").string());
  std::ofstream(folder / "best.safetensors") << "x";
  const auto resolved = with_parent_checkpoint(s, db, child);
  EXPECT_EQ(resolved["train"]["init"]["from"], (folder / "best.safetensors").string());
  EXPECT_EQ(resolved["train"]["init"]["layers"], child["train"]["init"]["layers"]);
  // A path is left alone.
  const nlohmann::json plain = {{"train", {{"init", {{"from", "x.safetensors"}}}}}};
  EXPECT_EQ(with_parent_checkpoint(s, db, plain), plain);
}

TEST(StagedPlan, StatusShowsWhatAChildWaitsFor) {
  TempDir dir("staged_status");
  const std::string db = dir / "atrous.db";
  auto s = store::Store::open(db);
  s.ensure_experiment("e", "", "{}");
  const std::string parent = "0123456789abcdef", child = "fedcba9876543210";
  s.insert_run_if_absent(record(parent, "frontend", {{"train", {{"seed", 1}}}}));
  s.insert_run_if_absent(record(child, "context", {{"train", {{"init", {{"from", "run:" + parent}}}}}}));
  const auto error_of = [&](const std::string& id) {
    const Table t = status_table(s, "e");
    const size_t col = std::find(t.columns.begin(), t.columns.end(), "error") - t.columns.begin();
    const size_t id_col = std::find(t.columns.begin(), t.columns.end(), "id") - t.columns.begin();
    for (const auto& row : t.rows)
      if (std::get<std::string>(row[id_col]) == id.substr(0, 12))
        return std::holds_alternative<std::string>(row[col]) ? std::get<std::string>(row[col]) : std::string();
    return std::string("(no row)");
  };
  EXPECT_EQ(error_of(child), "waiting for frontend (0123456789ab)");
  EXPECT_EQ(error_of(parent), "");
  s.set_status(parent, RunStatus::done);
  EXPECT_EQ(error_of(child), "");
}

// With the recipe's train.init keys (helper F's branch): the reference in
// train.init.from becomes the parent's run id. Skipped while the recipe rejects the key.
TEST(StagedPlan, TrainInitRefersToTheParent) {
  TempDir dir("staged_init");
  const std::string path = dir.write(
      "e.yaml", spec("  frontend: {model.rates: [1, 1]}\n"
                     "  context: {needs: frontend, train.init.from: \"run:frontend\", train.init.layers: [\"stack*\"],\n"
                     "            train.freeze: [\"stack*\"]}\n"));
  SweepPlan plan;
  try {
    plan = load_sweep_plan(path);
  } catch (const Error& e) {
    if (testing::contains(e.what(), "unknown key 'init'") || testing::contains(e.what(), "unknown key 'freeze'"))
      GTEST_SKIP() << "the recipe has no train.init / train.freeze yet: " << e.what();
    throw;
  }
  ASSERT_EQ(plan.runs.size(), 4u);
  EXPECT_EQ(plan.runs[2].config.resolved["train"]["init"]["from"], "run:" + plan.runs[0].id);
  EXPECT_EQ(plan.runs[3].config.resolved["train"]["init"]["from"], "run:" + plan.runs[1].id);
}

}  // namespace
}  // namespace atrous
