// `atrous sweep` through the binary against hostile input: a grid whose product
// is huge, paths that need shell quoting, SIGHUP, and a sweep killed outright
// (its workers must not outlive it).
#include <fcntl.h>
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
#include "../support/cli.hpp"
#include "store/store.hpp"
#include "sweep/backend.hpp"
#include "sweep/plan.hpp"
#include "sweep/shell_quote.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/worker.hpp"
#include "train/trainer.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::run_atrous;
using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// One tiny run of 32×32 shapes; `epochs` long.
std::string experiment(int epochs, const std::string& extra = "") {
  return fmt::format(
      "name: t\n"
      "base:\n"
      "  model: {}\n  data: {}\n  train: {}\n"
      "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: 8,\n"
      "        data.val.count: 2, train.epochs: {}, train.batch_size: 4}}\n"
      "variants:\n  a: {{}}\n"
      "{}",
      config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"), epochs, extra);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SweepCli, AHugeGridIsAUsageErrorNotAnAllocation) {
  TempDir dir("sweep_huge");
  std::string grid = "grid:\n";
  for (int a = 0; a < 8; ++a) grid += fmt::format("  train.k{}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n", a);
  const std::string spec = dir.write("t.yaml", experiment(1, grid + "seeds: [1, 2, 3]\n"));
  const auto r = run_atrous("sweep --dry-run " + spec + " --db " + (dir / "r.db"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "error: " + spec + ":10:1: the spec plans 300000000 runs: 1 variant(s) × 100000000 grid "
                                                 "point(s) (train.k0 10 × "))
      << r.out;
  EXPECT_TRUE(contains(r.out, "at most 10000 runs")) << r.out;
  EXPECT_FALSE(fs::exists(dir / "r.db"));
}

// A folder with a space and a quote: the command the dry-run prints, pasted into
// sh, runs the same sweep.
TEST(SweepCli, DryRunPrintsACommandThatPastesIntoAShell) {
  TempDir dir("sweep_quote");
  const std::string spec = dir.write("it's here/t.yaml", experiment(1));
  const std::string db = dir / "it's here/my results.db";
  const auto r = run_atrous("sweep --dry-run " + shell_quote(spec) + " --db " + shell_quote(db));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto at = r.out.find("run it: atrous sweep ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string command = r.out.substr(at + 15, r.out.find('\n', at) - at - 15);
  EXPECT_EQ(command, "sweep " + shell_quote(spec) + " --db " + shell_quote(db));
  const auto again = run_atrous(command + " --dry-run");
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_TRUE(contains(again.out, "1 runs; estimated cost")) << again.out;
  EXPECT_FALSE(fs::exists(db));  // a dry run creates nothing
}

// Starts `atrous sweep SPEC --db DB` in its own process group, output to LOG.
pid_t start_sweep(const std::string& spec, const std::string& db, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);  // one file offset for both
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execl(ATROUS_BINARY, ATROUS_BINARY, "sweep", spec.c_str(), "--threads", "1", "--db", db.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// The pid of the worker once its run is 'running' (0 after 20 s).
pid_t running_worker(const std::string& db) {
  for (int i = 0; i < 2000; ++i) {
    try {
      auto s = store::Store::open(db);
      for (const auto& r : s.runs("t"))
        if (r.status == store::RunStatus::running && r.pid > 0) return static_cast<pid_t>(r.pid);
    } catch (const std::exception&) {
      // not created yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

// Waits for `pid` (a child of this process) to exit; false after 20 s.
bool reaped(pid_t pid, int* status) {
  for (int i = 0; i < 2000; ++i) {
    if (::waitpid(pid, status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

store::RunRecord only_run(const std::string& db) {
  const auto runs = store::Store::open(db).runs("t");
  EXPECT_EQ(runs.size(), 1u);
  return runs.empty() ? store::RunRecord{} : runs.front();
}

// A closed terminal (SIGHUP) killed the sweep at once and left its worker training
// unsupervised: now the sweep stops like on Ctrl-C, and the worker checkpoints.
TEST(SweepCli, SighupStopsTheSweepAndItsWorker) {
  TempDir dir("sweep_hup");
  const std::string spec = dir.write("t.yaml", experiment(100000)), db = dir / "r.db", log = dir / "sweep.log";
  const pid_t sweep = start_sweep(spec, db, log);
  const pid_t worker = running_worker(db);
  ASSERT_GT(worker, 0) << slurp(log);
  ::kill(sweep, SIGHUP);
  int status = 0;
  const bool ended = reaped(sweep, &status);
  if (!ended) ::kill(-sweep, SIGKILL), ::waitpid(sweep, &status, 0);
  ASSERT_TRUE(ended) << "the sweep did not stop: " << slurp(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_TRUE(contains(slurp(log), "sweep stopped by signal 1")) << slurp(log);
  EXPECT_NE(::kill(worker, 0), 0) << "worker " << worker << " outlived the sweep";
  if (::kill(worker, 0) == 0) ::kill(worker, SIGKILL);
  EXPECT_EQ(only_run(db).status, store::RunStatus::interrupted) << only_run(db).error;
}

// SIGKILL cannot be caught: the kernel sends the orphaned worker SIGTERM
// (PR_SET_PDEATHSIG), and it checkpoints and records itself interrupted.
TEST(SweepCli, AWorkerDoesNotOutliveAKilledSweep) {
  TempDir dir("sweep_orphan");
  const std::string spec = dir.write("t.yaml", experiment(100000)), db = dir / "r.db", log = dir / "sweep.log";
  // The orphan is re-parented to this process, so that it can be waited for.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const pid_t sweep = start_sweep(spec, db, log);
  const pid_t worker = running_worker(db);
  ::kill(sweep, SIGKILL);
  int status = 0;
  ::waitpid(sweep, &status, 0);
  const bool ended = worker > 0 && reaped(worker, &status);
  if (worker > 0 && !ended) ::kill(worker, SIGKILL), ::waitpid(worker, &status, 0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  ASSERT_GT(worker, 0) << slurp(log);
  ASSERT_TRUE(ended) << "worker " << worker << " outlived the sweep";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 4) << status;  // worker_exit_interrupted
  EXPECT_EQ(only_run(db).status, store::RunStatus::interrupted) << only_run(db).error;
}

class NoBackend : public Backend {
 public:
  void execute(const std::vector<std::string>&, const LaunchPlan&) override {}
};

class StopAtStep : public TrainObserver {
 public:
  explicit StopAtStep(int64_t step) : step_(step) {}
  void on_step(const StepReport& r) override { done_ = r.step + 1; }
  bool should_stop() override { return done_ >= step_; }

 private:
  int64_t step_, done_ = 0;
};

// A run that failed because its interrupted session left a truncated
// last.safetensors (and a temporary of a writer killed at its rename) failed again
// at every --retry-failed: now the worker resumes from best.safetensors, removes the
// dead writer's temporary, and says both in the run's logs.
TEST(SweepCli, RetryFailedRecoversARunWithATruncatedCheckpoint) {
  TempDir dir("sweep_retry");
  const std::string spec = dir.write("t.yaml", experiment(2)), db = dir / "r.db";
  const SweepPlan plan = load_sweep_plan(spec);
  SweepOptions o;
  o.db_path = db;
  NoBackend nothing;
  run_sweep(plan, o, nothing);  // recorded, queued
  const std::string id = plan.runs.at(0).id, folder = run_dir(db, id);
  TrainOptions t;
  t.out_dir = folder;
  t.progress = ProgressMode::none;
  StopAtStep stop(3);  // 2 steps per epoch: best at step 2, last at step 3
  ASSERT_EQ(train_run(plan.runs[0].config, t, &stop).status, RunStatus::interrupted);
  fs::resize_file(fs::path(folder) / "last.safetensors", 50);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  const std::string stale = "last.safetensors.tmp-" + std::to_string(child) + "-0";
  dir.write("runs/" + id + "/" + stale, "partial");
  store::Store::open(db).set_status(id, store::RunStatus::failed, "the earlier failure");

  const auto r = run_atrous("sweep " + spec + " --threads 1 --db " + db + " --retry-failed");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(only_run(db).status, store::RunStatus::done) << only_run(db).error;
  EXPECT_FALSE(fs::exists(fs::path(folder) / stale));
  const std::string worker_log = slurp(folder + "/worker.log"), train_log = slurp(folder + "/train.log");
  EXPECT_TRUE(contains(worker_log, "note: resumed from best.safetensors at step 2 instead of last.safetensors"))
      << worker_log;
  EXPECT_TRUE(contains(train_log, "note: removed " + stale)) << train_log;
  EXPECT_TRUE(contains(train_log, "resumed at step 2")) << train_log;
}

}  // namespace
}  // namespace atrous
