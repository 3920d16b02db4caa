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
  auto q = s.database().prepare("SELECT COUNT(*) FROM summaries");
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
  auto s = Store::open(path);
  auto q = s.database().prepare("SELECT COUNT(*), MAX(version) FROM schema_version");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int(0), latest_schema_version());  // one row per migration: none ran twice
  EXPECT_EQ(q.column_int(1), latest_schema_version());
  auto e = s.database().prepare("SELECT COUNT(*) FROM experiments");
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

}  // namespace
}  // namespace atrous
