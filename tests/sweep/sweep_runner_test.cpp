// run_sweep's bookkeeping with a backend that runs nothing: a run another
// experiment planned is shared (reused when done), and a run planned before its
// spec had a grid axis gets its grid point when the spec gains one.
#include "sweep/sweep_runner.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../data/data_test_support.hpp"
#include "store/store.hpp"
#include "sweep/plan.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::TempDir;

class RecordingBackend : public Backend {
 public:
  void execute(const std::vector<std::string>& ids, const LaunchPlan&) override { launched = ids; }
  std::vector<std::string> launched;
};

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

std::string spec_text(const std::string& name, const std::string& extra) {
  return fmt::format(
      "name: {}\nbase:\n  model: {}\n  data: {}\n  train: {}\n"
      "  set: {{model.width: 4, data.image_size: 32, data.train.count: 8}}\n"
      "variants:\n  a: {{}}\nseeds: [1]\n{}",
      name, config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"), extra);
}

SweepOutcome sweep(const std::string& spec_path, const std::string& db, std::vector<std::string>* lines = nullptr) {
  SweepOptions o;
  o.db_path = db;
  o.report = [lines](const std::string& l) {
    if (lines) lines->push_back(l);
  };
  RecordingBackend backend;
  return run_sweep(load_sweep_plan(spec_path), o, backend);
}

// The same resolved config planned by a second experiment is one run shared by
// both: done, it is reused (not launched again) and listed by both; queued, it is
// launched by whichever sweep comes first.
TEST(SweepRunner, ARunAnotherExperimentPlannedIsShared) {
  TempDir dir("sweep_shared");
  const std::string db = dir / "atrous.db";
  const auto first = sweep(dir.write("one.yaml", spec_text("one", "")), db);
  ASSERT_EQ(first.launched.size(), 1u);
  EXPECT_TRUE(first.shared.empty());
  const std::string id = first.launched[0];

  // Still queued: the second experiment's sweep runs it.
  const std::string two = dir.write("two.yaml", spec_text("two", "grid:\n  size: {small: {}}\n"));
  std::vector<std::string> lines;
  const auto queued = sweep(two, db, &lines);
  EXPECT_EQ(queued.launched, std::vector<std::string>{id});
  ASSERT_EQ(queued.shared.size(), 1u);
  EXPECT_EQ(queued.shared[0].first, id);
  EXPECT_EQ(queued.shared[0].second, "one");
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(testing::contains(lines[0], "experiment 'one'; both experiments share it (queued)")) << lines[0];

  // Done: reused, not launched; both experiments list it, each under its own grid point.
  store::Store::open(db).set_status(id, store::RunStatus::done);
  lines.clear();
  const auto done = sweep(two, db, &lines);
  EXPECT_TRUE(done.launched.empty());
  EXPECT_EQ(done.done, 1);
  EXPECT_TRUE(done.all_done());
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(testing::contains(lines[0], "(done: reused, not run again)")) << lines[0];
  auto s = store::Store::open(db);
  EXPECT_EQ(s.experiments_of(id), (std::vector<std::string>{"one", "two"}));
  ASSERT_EQ(s.runs("two").size(), 1u);
  EXPECT_EQ(s.runs("two")[0].grid_json, R"({"size":"small"})");
  EXPECT_EQ(s.runs("one")[0].grid_json, "{}");
  EXPECT_EQ(s.find_run(id)->experiment, "one");
}

TEST(SweepRunner, ARunPlannedBeforeItsGridAxisGetsItsGridPoint) {
  TempDir dir("sweep_grid_later");
  const std::string db = dir / "atrous.db";
  const auto before = sweep(dir.write("e.yaml", spec_text("e", "")), db);
  ASSERT_EQ(before.launched.size(), 1u);
  EXPECT_EQ(store::Store::open(db).find_run(before.launched[0])->grid_json, "{}");
  // The same spec with a named axis whose first option is the base itself.
  sweep(dir.write("e.yaml", spec_text("e", "grid:\n  size:\n    small: {}\n    big: {model.width: 8}\n")), db);
  auto s = store::Store::open(db);
  EXPECT_EQ(s.find_run(before.launched[0])->grid_json, R"({"size":"small"})");
  EXPECT_EQ(s.runs("e").size(), 2u);
}

}  // namespace
}  // namespace atrous
