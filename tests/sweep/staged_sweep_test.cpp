// Staged sweeps end to end through the binary: a child runs only after its
// parent is done (with --jobs 2, which could otherwise start both), a failed
// parent's children are recorded skipped, and a sweep killed while the parent
// runs resumes it and then runs the child once.
//
// The child refers to its parent through `model.name: "run:a"` (a free string of
// the config, accepted today), so the scheduling is tested without the recipe's
// train.init keys. SlowStagedSweep.TheChildStartsFromTheParentsFinalBestCheckpoint
// uses train.init.from itself and is skipped while the recipe rejects that key.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../data/data_test_support.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "support/kill_sweep.hpp"
#include "support/cli.hpp"
#include "sweep/plan.hpp"
#include "sweep/status_table.hpp"  // parse_utc_timestamp
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// A tiny dilated network on 32×32 shapes; `variants` after the base.
std::string experiment(const std::string& variants, int epochs, int train_count,
                       const std::string& seeds = "[1, 2]") {
  return fmt::format(
      "name: t\n"
      "base:\n"
      "  model: {}\n  data: {}\n  train: {}\n"
      "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: {},\n"
      "        data.val.count: 4, train.epochs: {}, train.batch_size: 4}}\n"
      "variants:\n{}"
      "seeds: {}\n",
      config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"), train_count, epochs,
      variants, seeds);
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// (parent, child) records of each seed.
std::vector<std::pair<store::RunRecord, store::RunRecord>> stages(const std::string& db) {
  auto s = store::Store::open(db);
  std::vector<std::pair<store::RunRecord, store::RunRecord>> out;
  for (const auto& child : s.runs("t", std::nullopt))
    if (child.variant == "b")
      for (const auto& parent : s.runs("t"))
        if (parent.variant == "a" && parent.seed == child.seed) out.emplace_back(parent, child);
  return out;
}

TEST(StagedSweep, AChildStartsOnlyAfterItsParentIsDone) {
  TempDir dir("staged_sweep_order");
  // One seed, the child written first: with --jobs 2 and no gate, the child
  // would start beside its parent.
  const std::string spec = dir.write(
      "t.yaml", experiment("  b: {needs: a, model.name: \"run:a\", model.rates: [1, 1]}\n  a: {}\n", 2, 16, "[1]"));
  const std::string db = dir / "r.db";
  const auto out = testing::run_atrous("sweep " + spec + " --jobs 2 --threads 2 --db " + db);
  ASSERT_EQ(out.code, 0) << out.out;
  const auto pairs = stages(db);
  ASSERT_EQ(pairs.size(), 1u);
  for (const auto& [parent, child] : pairs) {
    EXPECT_EQ(parent.status, RunStatus::done) << parent.error;
    EXPECT_EQ(child.status, RunStatus::done) << child.error;
    EXPECT_GE(child.start_time, parent.end_time) << "seed " << child.seed;  // ISO timestamps order as text
    EXPECT_TRUE(testing::contains(child.config_json, "\"run:" + parent.id + "\"")) << child.config_json;
  }
  // Resuming a finished staged sweep runs nothing.
  const auto again = testing::run_atrous("sweep " + spec + " --jobs 2 --threads 2 --db " + db);
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_FALSE(testing::contains(again.out, "started")) << again.out;
}

TEST(StagedSweep, AFailedParentSkipsItsChildren) {
  TempDir dir("staged_sweep_skip");
  const std::string spec = dir.write(
      "t.yaml", experiment("  a: {train.optimizer.lr: 1e30}\n  b: {needs: a, model.name: \"run:a\"}\n"
                           "  c: {needs: b, model.name: \"run:b\"}\n",
                           1, 8));
  const std::string db = dir / "r.db";
  const auto out = testing::run_atrous("sweep " + spec + " --jobs 2 --threads 2 --db " + db);
  EXPECT_EQ(out.code, 1) << out.out;  // not all done
  auto s = store::Store::open(db);
  const auto runs = s.runs("t");
  ASSERT_EQ(runs.size(), 6u);
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, RunStatus::failed) << r.variant;
    const std::string expected = r.variant == "a"   ? "diverged"
                                 : r.variant == "b" ? "skipped: its parent a ("
                                                    : "skipped: its parent b (";
    EXPECT_TRUE(testing::contains(r.error, expected)) << r.variant << ": " << r.error;
    if (r.variant != "a") {
      EXPECT_FALSE(std::filesystem::exists(dir / ("runs/" + r.id))) << "a skipped run started";
    }
  }
  EXPECT_TRUE(testing::contains(out.out, "skipped")) << out.out;
}

// Starts `atrous sweep` in its own process group, waits until a run of variant
// `a` is running with two epochs logged, and kills the group with SIGKILL.
void kill_while_the_parent_runs(const std::string& spec, const std::string& db, const std::string& log) {
  const bool mid_run = testing::sigkill_sweep_when(
      spec, db, log, "t",
      [](store::Store& s, const store::RunRecord& r) {
        return r.variant == "a" && r.status == RunStatus::running && s.metrics(r.id, "train.loss").size() >= 2;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(mid_run) << "no parent run was caught mid-way\n" << read(log);
}

// Kill mid-parent, resume: the parent continues from its checkpoint, the child
// runs once, after it.
void kill_and_resume(const TempDir& dir, const std::string& spec) {
  const std::string db = dir / "r.db";
  kill_while_the_parent_runs(spec, db, dir / "first.log");
  if (::testing::Test::HasFatalFailure()) return;
  for (const auto& [parent, child] : stages(db)) {
    EXPECT_NE(parent.status, RunStatus::done);  // one epoch checkpoint per epoch, 12 epochs: not finished
    EXPECT_EQ(child.status, RunStatus::queued);
  }
  const auto out = testing::run_atrous("sweep " + spec + " --jobs 2 --threads 2 --db " + db);
  ASSERT_EQ(out.code, 0) << out.out;
  int resumed = 0;
  for (const auto& [parent, child] : stages(db)) {
    EXPECT_EQ(parent.status, RunStatus::done) << parent.error;
    EXPECT_EQ(child.status, RunStatus::done) << child.error;
    EXPECT_GE(child.start_time, parent.end_time);
    resumed += testing::contains(read(dir / ("runs/" + parent.id + "/train.log")), "resumed at step");
    const std::string child_log = read(dir / ("runs/" + child.id + "/train.log"));
    EXPECT_EQ(count(child_log, "steps in"), 1) << child_log;  // one session: the child ran once
    EXPECT_FALSE(testing::contains(child_log, "resumed")) << child_log;
  }
  EXPECT_GE(resumed, 1);
}

TEST(SlowStagedSweep, KilledWhileTheParentRunsResumesAndRunsTheChildOnce) {
  TempDir dir("staged_sweep_kill");
  kill_and_resume(dir, dir.write("t.yaml", experiment("  a: {}\n  b: {needs: a, model.name: \"run:a\"}\n", 12, 64)));
}

// With the recipe's train.init (helper F's branch): the child's worker turns
// "run:<parent id>" into the parent's best checkpoint, final before the child started.
TEST(SlowStagedSweep, TheChildStartsFromTheParentsFinalBestCheckpoint) {
  TempDir dir("staged_sweep_init");
  const std::string spec =
      dir.write("t.yaml", experiment("  a: {}\n  b: {needs: a, train.init.from: \"run:a\", train.epochs: 2}\n", 12, 64));
  try {
    load_sweep_plan(spec);
  } catch (const Error& e) {
    if (testing::contains(e.what(), "unknown key 'init'"))
      GTEST_SKIP() << "the recipe has no train.init yet: " << e.what();
    throw;
  }
  kill_and_resume(dir, spec);
  for (const auto& [parent, child] : stages(dir / "r.db")) {
    const auto best = std::filesystem::path(dir / ("runs/" + parent.id)) / "best.safetensors";
    // The worker says which file the reference became (worker.log, beside the run).
    const std::string log = read(dir / ("runs/" + child.id + "/worker.log"));
    EXPECT_TRUE(testing::contains(log, "train.init.from \"run:" + parent.id + "\" is " +
                                           nlohmann::json(best.string()).dump()))
        << log;
    // The parent's last write of best.safetensors came before the child claimed its run.
    const auto written = std::chrono::file_clock::to_sys(std::filesystem::last_write_time(best));
    const double written_s = std::chrono::duration<double>(written.time_since_epoch()).count();
    EXPECT_LE(written_s, parse_utc_timestamp(child.start_time) + 0.001);
    EXPECT_TRUE(testing::contains(child.config_json, "\"run:" + parent.id + "\"")) << child.config_json;  // as planned
  }
}

}  // namespace
}  // namespace atrous
