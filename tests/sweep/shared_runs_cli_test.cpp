// Two studies through the binary that plan the same tiny run: the second sweep
// trains only its new run and reuses the finished one, which `atrous runs
// --experiment`, `atrous status` and `atrous report` list under both.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../data/data_test_support.hpp"
#include "../support/cli.hpp"
#include "store/store.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::contains;
using testing::run_atrous;
using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// One tiny 32×32 shapes run per variant, one epoch.
std::string spec(const std::string& name, const std::string& variants) {
  return fmt::format(
      "name: {}\n"
      "base:\n"
      "  model: {}\n  data: {}\n  train: {}\n"
      "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: 8,\n"
      "        data.val.count: 2, train.epochs: 1, train.batch_size: 4}}\n"
      "variants:\n{}"
      "seeds: [1]\n",
      name, config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"), variants);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SharedRunsCli, ASecondStudyReusesAFinishedRunAndListsIt) {
  TempDir dir("shared_runs_cli");
  const std::string db = dir / "r.db";
  const std::string one = dir.write("one.yaml", spec("one", "  base: {}\n"));
  const std::string two = dir.write("two.yaml", spec("two", "  same: {}\n  wider: {model.width: 8}\n"));

  const auto first = run_atrous("sweep " + one + " --threads 1 --db " + db);
  ASSERT_EQ(first.code, 0) << first.out;
  const auto runs_one = store::Store::open(db).runs("one");
  ASSERT_EQ(runs_one.size(), 1u);
  const store::RunRecord shared = runs_one[0];
  ASSERT_EQ(shared.status, store::RunStatus::done);
  const std::string worker_log = slurp(dir / ("runs/" + shared.id + "/worker.log"));

  const auto second = run_atrous("sweep " + two + " --threads 1 --db " + db);
  ASSERT_EQ(second.code, 0) << second.out;
  EXPECT_TRUE(contains(second.out, "both experiments share it (done: reused, not run again)")) << second.out;
  {
    auto s = store::Store::open(db);
    const auto runs_two = s.runs("two");
    ASSERT_EQ(runs_two.size(), 2u);
    EXPECT_EQ(runs_two[0].id, shared.id);
    EXPECT_EQ(runs_two[0].variant, "same");
    EXPECT_EQ(runs_two[1].variant, "wider");
    EXPECT_EQ(runs_two[1].status, store::RunStatus::done);
    // Not run again: the same start, end and worker log.
    const auto after = s.find_run(shared.id);
    EXPECT_EQ(after->start_time, shared.start_time);
    EXPECT_EQ(after->end_time, shared.end_time);
  }
  EXPECT_EQ(slurp(dir / ("runs/" + shared.id + "/worker.log")), worker_log);

  for (const auto& [name, variant] : {std::pair{"one", "base"}, std::pair{"two", "same"}}) {
    const auto listed =
        run_atrous(fmt::format("runs --db {} --experiment {} --columns id,experiment,variant,status --format csv", db,
                               name));
    EXPECT_EQ(listed.code, 0) << listed.out;
    EXPECT_TRUE(contains(listed.out, fmt::format("{},{},{},done\n", shared.id, name, variant))) << listed.out;
  }
  const auto status = run_atrous("status two --db " + db + " --format csv");
  EXPECT_TRUE(contains(status.out, "same,1,done")) << status.out;

  const std::string report = dir / "out/two.md";
  const auto r = run_atrous("report two --no-predictions --no-rf --db " + db + " -o " + report);
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string text = slurp(report);
  EXPECT_TRUE(contains(text, "| same")) << text;
  EXPECT_TRUE(contains(text, "None: every planned run finished.")) << text;  // the shared run is not missing
}

}  // namespace
}  // namespace atrous
