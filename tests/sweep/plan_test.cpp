// Resolving a sweep's plan: ids are hashes of the resolved config (stable under
// key reordering, changed by any value), and override errors are located in the
// experiment file at the part that introduced them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "../data/data_test_support.hpp"
#include "core/error.hpp"
#include "sweep/local_backend.hpp"
#include "sweep/plan.hpp"
#include "sweep/status_table.hpp"
#include "sweep/worker.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// A tiny base (absolute paths, so the spec can live in any folder).
std::string base_block() {
  return "base:\n"
         "  model: " + config("models/dilated.yaml") + "\n"
         "  data: " + config("data/shapes.yaml") + "\n"
         "  train: " + config("train/quick.yaml") + "\n"
         "  set: {model.width: 4, data.image_size: 32, data.train.count: 16, train.epochs: 2}\n";
}

std::vector<std::string> ids_of(const std::string& path) {
  std::vector<std::string> ids;
  for (const auto& r : load_sweep_plan(path).runs) ids.push_back(r.id);
  return ids;
}

std::string plan_error(const std::string& path) {
  try {
    load_sweep_plan(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SweepPlan, IdsAreStableUnderKeyReorderingAndChangeWithValues) {
  TempDir dir("sweep_plan_ids");
  const std::string a = dir.write("a.yaml", "name: e\n" + base_block() +
                                                "variants:\n"
                                                "  d: {model.rates: [1, 2], train.optimizer.lr: 0.01}\n"
                                                "  p: {model.rates: [1, 1]}\n"
                                                "seeds: [1, 2]\n");
  // Same meaning: top-level keys, a variant's keys and the base's `set` reordered.
  const std::string b = dir.write("b.yaml",
                                  "seeds: [1, 2]\n"
                                  "variants:\n"
                                  "  d: {train.optimizer.lr: 0.01, model.rates: [1, 2]}\n"
                                  "  p: {model.rates: [1, 1]}\n"
                                  "base:\n"
                                  "  set: {train.epochs: 2, data.train.count: 16, data.image_size: 32, model.width: 4}\n"
                                  "  train: " + config("train/quick.yaml") + "\n"
                                  "  data: " + config("data/shapes.yaml") + "\n"
                                  "  model: " + config("models/dilated.yaml") + "\n"
                                  "name: e\n");
  // One value changed (d's learning rate).
  const std::string c = dir.write("c.yaml", "name: e\n" + base_block() +
                                                "variants:\n"
                                                "  d: {model.rates: [1, 2], train.optimizer.lr: 0.02}\n"
                                                "  p: {model.rates: [1, 1]}\n"
                                                "seeds: [1, 2]\n");
  const auto ia = ids_of(a), ib = ids_of(b), ic = ids_of(c);
  ASSERT_EQ(ia.size(), 4u);
  EXPECT_EQ(ia, ib);
  EXPECT_NE(ia[0], ic[0]);  // d seed 1
  EXPECT_NE(ia[1], ic[1]);  // d seed 2
  EXPECT_EQ(ia[2], ic[2]);  // p is unchanged
  EXPECT_EQ(ia[3], ic[3]);
  EXPECT_NE(ia[0], ia[1]);  // the seed is part of the config
  for (const auto& id : ia) EXPECT_EQ(id.size(), 16u);
}

TEST(SweepPlan, OverrideErrorsAreLocatedInTheExperimentFile) {
  TempDir dir("sweep_plan_errors");
  struct Case {
    std::string text, expected;
  } cases[] = {
      // Lines: name 1, base 2-6, variants 7; the variant `bad` is line 9.
      {"name: e\n" + base_block() + "variants:\n  ok: {}\n  bad: {model.widht: 3}\n",
       "e.yaml:9:3: variant 'bad': "},
      {"name: e\n" + base_block() + "variants:\n  ok: {}\ngrid: {train.optimizer.lrr: [0.1, 0.2]}\n",
       "e.yaml:9:8: variant 'ok', grid 'train.optimizer.lrr': "},
      {"name: e\n" + base_block() + "variants:\n  ok: {data.nope: 1}\n", "e.yaml:8:3: variant 'ok': "},
      {"name: e\n" + base_block() + "variants:\n  ok: {}\ngrid:\n  size:\n    small: {}\n    big: {model.widht: 3}\n",
       "e.yaml:12:5: variant 'ok', grid 'size' option 'big': "},
      {"name: e\n" + base_block() + "variants:\n  a: {}\n  b: {}\n", "resolves to the same configuration"},
  };
  for (const auto& c : cases) {
    const std::string err = plan_error(dir.write("e.yaml", c.text));
    EXPECT_TRUE(testing::contains(err, c.expected)) << "expected: " << c.expected << "\ngot: " << err;
  }
  // The original message (which key, what was expected) is kept after the location.
  const std::string err =
      plan_error(dir.write("e.yaml", "name: e\n" + base_block() + "variants:\n  ok: {}\n  bad: {model.widht: 3}\n"));
  EXPECT_TRUE(testing::contains(err, "widht")) << err;
  // An error of the base itself is located at the base.
  const std::string base_err = plan_error(dir.write(
      "e.yaml", "name: e\nbase:\n  model: " + config("models/dilated.yaml") + "\n  data: " + config("data/shapes.yaml") +
                    "\n  train: " + config("train/quick.yaml") + "\n  set: {train.nokey: 1}\nvariants:\n  a: {}\n"));
  EXPECT_TRUE(testing::contains(base_err, "e.yaml:2:1: base: ")) << base_err;
}

// The lesson's studies and the default job ship with the project: each must plan
// (every override resolves) with distinct runs.
TEST(SweepPlan, EveryShippedExperimentResolves) {
  int specs = 0;
  std::map<std::string, std::string> owner;  // run id -> spec: a run belongs to one experiment
  for (const auto& entry : std::filesystem::directory_iterator(std::string(ATROUS_SOURCE_DIR) + "/experiments")) {
    if (entry.path().extension() != ".yaml") continue;
    ++specs;
    SCOPED_TRACE(entry.path().string());
    const SweepPlan plan = load_sweep_plan(entry.path().string());
    EXPECT_FALSE(plan.runs.empty());
    EXPECT_EQ(plan.spec.name, entry.path().stem().string());  // `atrous report NAME` finds the file's study
    for (const auto& r : plan.runs) {
      const auto [it, fresh] = owner.emplace(r.id, plan.spec.name);
      EXPECT_TRUE(fresh) << r.planned.label() << " of " << plan.spec.name << " is also a run of " << it->second;
    }
  }
  EXPECT_GE(specs, 7);  // smoke, quick, ex1..ex5
}

TEST(SweepPlan, EpochRecordsFlattenIntoMetricKeys) {
  const nlohmann::json record = {
      {"epoch", 2},
      {"step", 8},
      {"train", {{"loss", 1.5}, {"lr", 0.01}}},
      {"val", {{"miou", 0.5}, {"pixels", 100}, {"boundary_f", nullptr}, {"iou_per_class", {0.25, nullptr}}}}};
  const auto m = flatten_epoch_metrics(record, {"background", "disc"});
  const std::map<std::string, double> expected = {
      {"train.loss", 1.5}, {"train.lr", 0.01}, {"val.miou", 0.5}, {"val.iou.background", 0.25}};
  EXPECT_EQ(m, expected);  // nulls (NaN) and bookkeeping counts left out
}

TEST(SweepPlan, ThreadBudgetIsSharedAndTimestampsParse) {
  EXPECT_EQ(LocalBackend::threads_per_job(8, 2), 4);
  EXPECT_EQ(LocalBackend::threads_per_job(2, 4), 1);  // never zero
  EXPECT_EQ(LocalBackend::threads_per_job(7, 2), 3);
  EXPECT_DOUBLE_EQ(parse_utc_timestamp("1970-01-01T00:01:40.250Z"), 100.25);
  EXPECT_TRUE(std::isnan(parse_utc_timestamp("yesterday")));
  EXPECT_EQ(run_dir("results/atrous.db", "abc"), "results/runs/abc");
  EXPECT_EQ(run_dir("atrous.db", "abc"), "./runs/abc");
}

}  // namespace
}  // namespace atrous
