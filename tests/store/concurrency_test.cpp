#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "store/schema.hpp"
#include "store/store_test_support.hpp"

namespace atrous {
namespace {

using namespace store;
using testing::TempDir;

constexpr int epochs = 40;
constexpr int keys_per_epoch = 6;

std::map<std::string, double> epoch_values(int writer, int epoch) {
  std::map<std::string, double> m;
  for (int k = 0; k < keys_per_epoch; ++k) m[fmt::format("m{}", k)] = writer * 1000 + epoch + k / 10.0;
  return m;
}

void prepare_runs(const std::string& path, int writers) {
  auto s = Store::open(path);
  s.ensure_experiment("ablation");
  for (int w = 0; w < writers; ++w) s.upsert_run(testing::make_run(fmt::format("w{}", w), "v", w, 8, 0.1));
}

// Every writer's every epoch is present exactly once with its value.
void expect_all_rows(const std::string& path, int writers) {
  auto s = Store::open(path);
  for (int w = 0; w < writers; ++w) {
    const auto points = s.metrics(fmt::format("w{}", w));
    ASSERT_EQ(points.size(), static_cast<size_t>(epochs * keys_per_epoch)) << "writer " << w;
    for (const auto& p : points)
      EXPECT_DOUBLE_EQ(p.value, epoch_values(w, static_cast<int>(p.epoch)).at(p.key)) << "writer " << w;
  }
  auto db = Database::open(path);
  auto q = db.prepare("SELECT COUNT(*) FROM summaries");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int(0), writers);
}

void write_run(Store& s, int w) {
  for (int e = 0; e < epochs; ++e) s.log_metrics(fmt::format("w{}", w), e * 10, e, epoch_values(w, e));
  s.set_summaries(fmt::format("w{}", w), {{"done", 1.0}});
  s.set_status(fmt::format("w{}", w), RunStatus::done);
}

TEST(StoreConcurrency, ThreadsWithTheirOwnConnectionsLoseNothing) {
  TempDir dir("store_threads");
  const std::string path = dir / "a.db";
  constexpr int writers = 4;
  prepare_runs(path, writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      auto s = Store::open(path);
      write_run(s, w);
    });
  for (auto& t : threads) t.join();
  expect_all_rows(path, writers);
}

TEST(StoreConcurrency, ThreadsSharingOneStoreLoseNothing) {
  TempDir dir("store_shared");
  const std::string path = dir / "a.db";
  constexpr int writers = 3;
  prepare_runs(path, writers);
  auto s = Store::open(path);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) threads.emplace_back([&, w] { write_run(s, w); });
  for (auto& t : threads) t.join();
  expect_all_rows(path, writers);
}

TEST(StoreConcurrency, ForkedProcessesLoseNothing) {
  TempDir dir("store_fork");
  const std::string path = dir / "a.db";
  constexpr int writers = 4;
  prepare_runs(path, writers);
  std::vector<pid_t> children;
  for (int w = 0; w < writers; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child opens its own connection (SQLite connections must not cross a fork)
      // and reports failure through its exit code.
      try {
        auto s = Store::open(path);
        write_run(s, w);
      } catch (const std::exception& e) {
        fprintf(stderr, "writer %d: %s\n", w, e.what());
        _exit(1);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  expect_all_rows(path, writers);
  auto s = Store::open(path);
  EXPECT_EQ(s.runs("", RunStatus::done).size(), static_cast<size_t>(writers));
}

TEST(StoreConcurrency, ProcessesCreatingOneDatabaseMigrateItOnce) {
  TempDir dir("store_create");
  const std::string path = dir / "fresh/a.db";
  constexpr int processes = 4;
  std::vector<pid_t> children;
  for (int i = 0; i < processes; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        auto s = Store::open(path);
        s.ensure_experiment("shared");
      } catch (const std::exception& e) {
        fprintf(stderr, "opener %d: %s\n", i, e.what());
        _exit(1);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto db = Database::open(path);
  auto q = db.prepare("SELECT COUNT(*), MAX(version) FROM schema_version");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int(0), latest_schema_version());  // one row per migration: none ran twice
  EXPECT_EQ(q.column_int(1), latest_schema_version());
  auto e = db.prepare("SELECT COUNT(*) FROM experiments");
  ASSERT_TRUE(e.step());
  EXPECT_EQ(e.column_int(0), 1);
}

TEST(StoreConcurrency, ReadersDoNotBlockAWriter) {
  TempDir dir("store_reader");
  const std::string path = dir / "a.db";
  prepare_runs(path, 1);
  auto reader = Database::open(path, Database::Mode::read_only);
  reader.exec("BEGIN");
  auto q = reader.prepare("SELECT COUNT(*) FROM metrics");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int(0), 0);
  q.reset();
  // With a read transaction open, a writer still commits (WAL), and the reader
  // keeps its snapshot until it ends the transaction.
  auto s = Store::open(path);
  s.log_metrics("w0", 0, 0, {{"x", 1.0}});
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int(0), 0);
  q.reset();
  reader.exec("COMMIT");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int(0), 1);
}

// Two planners and a worker, each its own connection: a run the worker claimed
// stays running when the other planner plans it again.
TEST(StoreConcurrency, PlanningAgainKeepsAClaimedRun) {
  TempDir dir("store_plan_claimed");
  const std::string path = dir / "a.db";
  auto planner = Store::open(path);
  auto other = Store::open(path);
  planner.ensure_experiment("ablation");
  const RunRecord run = testing::make_run("r1", "v", 1, 8, 0.1);
  ASSERT_TRUE(planner.insert_run_if_absent(run));
  ASSERT_TRUE(planner.claim_run("r1", current_runtime_info()));
  EXPECT_FALSE(other.insert_run_if_absent(run));
  EXPECT_EQ(other.find_run("r1")->status, RunStatus::running);
  EXPECT_EQ(planner.find_run("r1")->pid, getpid());
}

// The race itself: the second planner has looked for the run (absent) when the
// first planner's insert and the worker's claim commit. A look followed by a
// separate write would then overwrite the claim with the planned values; one
// INSERT ... ON CONFLICT DO NOTHING cannot. The first planner and the worker are
// one connection holding the write lock while the second planner starts.
TEST(StoreConcurrency, AnInsertRacingAClaimDoesNotResetIt) {
  TempDir dir("store_plan_race");
  const std::string path = dir / "a.db";
  auto other = Store::open(path);
  other.ensure_experiment("ablation");
  const RunRecord run = testing::make_run("r1", "v", 1, 8, 0.1);

  auto first = Database::open(path);
  first.exec("BEGIN IMMEDIATE");
  std::thread second([&] { EXPECT_FALSE(other.insert_run_if_absent(run)); });
  // Give the second planner time to look and then wait for the lock (busy timeout 10 s).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  first.exec(
      "INSERT INTO runs (run_id, experiment_id, status, created_at, pid) "
      "SELECT 'r1', experiment_id, 'running', '2026-01-01T00:00:00.000Z', 4242 FROM experiments");
  first.exec("COMMIT");
  second.join();
  const auto r = other.find_run("r1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, RunStatus::running);
  EXPECT_EQ(r->pid, 4242);
}

}  // namespace
}  // namespace atrous
