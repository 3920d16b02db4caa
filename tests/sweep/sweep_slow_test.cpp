// End to end through the binary: a sweep with a diverging variant, and a sweep
// whose whole process group is killed with SIGKILL mid-run, then restarted.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <cstdlib>
#include <thread>

#include "../data/data_test_support.hpp"
#include "store/store.hpp"
#include "support/kill_sweep.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// Two variants × two seeds of a tiny dilated network on 32×32 shapes.
std::string experiment(const std::string& variants, int epochs, int train_count) {
  return fmt::format(
      "name: t\n"
      "base:\n"
      "  model: {}\n  data: {}\n  train: {}\n"
      "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: {},\n"
      "        data.val.count: 4, train.epochs: {}, train.batch_size: 4}}\n"
      "variants:\n{}"
      "seeds: [1, 2]\n",
      config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"), train_count, epochs,
      variants);
}

int run_cli(const std::string& args) {
  const int status = std::system((std::string(ATROUS_BINARY) + " " + args + " > /dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<store::RunRecord> runs_of(const std::string& db) { return store::Store::open(db).runs("t"); }

TEST(SlowSweep, ADivergingVariantIsRecordedFailedWhileTheOthersFinish) {
  TempDir dir("sweep_diverge");
  const std::string spec = dir.write("t.yaml", experiment("  ok: {}\n  diverge: {train.optimizer.lr: 1e30}\n", 2, 16));
  const std::string db = dir / "r.db";
  // Not all done: exit 1.
  EXPECT_EQ(run_cli("sweep " + spec + " --jobs 2 --threads 2 --db " + db), 1);
  const auto runs = runs_of(db);
  ASSERT_EQ(runs.size(), 4u);
  for (const auto& r : runs) {
    if (r.variant == "ok") {
      EXPECT_EQ(r.status, store::RunStatus::done) << r.error;
    } else {
      EXPECT_EQ(r.status, store::RunStatus::failed);
      EXPECT_TRUE(testing::contains(r.error, "diverged")) << r.error;
    }
  }
  // The same command again skips what is done and leaves the failure alone...
  auto s = store::Store::open(db);
  const auto before = s.find_run(runs[0].id)->end_time;
  EXPECT_EQ(run_cli("sweep " + spec + " --jobs 2 --threads 2 --db " + db), 1);
  EXPECT_EQ(s.find_run(runs[0].id)->end_time, before);
  // ...and `status` shows every run.
  EXPECT_EQ(run_cli("status t --db " + db), 0);
  // --retry-failed reruns the failed runs (which diverge again) and only them.
  std::string done_id, failed_id;
  for (const auto& r : runs) (r.variant == "ok" ? done_id : failed_id) = r.id;
  const auto done_end = s.find_run(done_id)->end_time, failed_end = s.find_run(failed_id)->end_time;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // timestamps have millisecond resolution
  EXPECT_EQ(run_cli("sweep " + spec + " --jobs 2 --threads 2 --db " + db + " --retry-failed"), 1);
  EXPECT_EQ(s.find_run(done_id)->end_time, done_end);
  EXPECT_NE(s.find_run(failed_id)->end_time, failed_end);
  EXPECT_EQ(s.find_run(failed_id)->status, store::RunStatus::failed);
}

TEST(SlowSweep, SurvivesSigkillOfItsProcessGroupAndLosesNoMetric) {
  TempDir dir("sweep_kill");
  constexpr int epochs = 12;
  const std::string spec = dir.write("t.yaml", experiment("  a: {}\n  b: {model.rates: [1, 1]}\n", epochs, 64));
  const std::string db = dir / "r.db";
  // Kill once a run has logged two epochs (so its epoch-1 checkpoint exists) but is
  // still running (at most 30 s).
  const bool mid_run = testing::sigkill_sweep_when(
      spec, db, dir / "first.log", "t",
      [](store::Store& s, const store::RunRecord& r) {
        return r.status == store::RunStatus::running && s.metrics(r.id, "train.loss").size() >= 2;
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(mid_run) << "no run was caught mid-way";
  int left_running = 0;
  for (const auto& r : runs_of(db)) left_running += r.status == store::RunStatus::running;
  EXPECT_GE(left_running, 1);

  EXPECT_EQ(run_cli("sweep " + spec + " --jobs 2 --threads 2 --db " + db), 0);
  auto s = store::Store::open(db);
  auto raw = store::Database::open(db);
  auto q = raw.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_text(0), "ok");
  // Per (run, key, step) one row (the primary key), and every epoch of every run is there.
  auto dup = raw.prepare("SELECT COUNT(*) FROM (SELECT 1 FROM metrics GROUP BY run_id, key, step HAVING COUNT(*) > 1)");
  ASSERT_TRUE(dup.step());
  EXPECT_EQ(dup.column_int(0), 0);
  const auto runs = s.runs("t");
  ASSERT_EQ(runs.size(), 4u);
  int resumed = 0;
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, store::RunStatus::done) << r.error;
    for (const char* key : {"train.loss", "val.miou"}) {
      const auto points = s.metrics(r.id, key);
      ASSERT_EQ(points.size(), static_cast<size_t>(epochs)) << r.id << " " << key;
      for (int e = 0; e < epochs; ++e) {
        EXPECT_EQ(points[e].epoch, e + 1);
        EXPECT_EQ(points[e].step, (e + 1) * 16);  // 64 images / batch 4
      }
    }
    std::ifstream log(dir / ("runs/" + r.id + "/train.log"));
    std::stringstream ss;
    ss << log.rdbuf();
    resumed += testing::contains(ss.str(), "resumed at step");
  }
  EXPECT_GE(resumed, 1);  // at least one run continued from its checkpoint
}

}  // namespace
}  // namespace atrous
