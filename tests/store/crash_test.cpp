#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>
#include <thread>

#include "store/store_test_support.hpp"

namespace atrous {
namespace {

using namespace store;
using testing::TempDir;

constexpr int keys_per_epoch = 40;  // big transactions make mid-write kills likely

std::map<std::string, double> epoch_values(int epoch) {
  std::map<std::string, double> m;
  for (int k = 0; k < keys_per_epoch; ++k) m[fmt::format("key{:02d}", k)] = epoch * 100.0 + k;
  return m;
}

// Child: resumes after the last committed epoch (re-logging it, as a resumed run
// would), then logs epochs forever, reporting each epoch through the pipe after
// its transaction committed.
[[noreturn]] void child_loop(const std::string& path, int report_fd) {
  try {
    auto s = Store::open(path);
    int epoch = 0;
    auto db = Database::open(path);
    auto q = db.prepare("SELECT MAX(epoch) FROM metrics WHERE run_id = 'r'");
    if (q.step() && !q.column_is_null(0)) epoch = static_cast<int>(q.column_int(0));
    for (;; ++epoch) {
      s.log_metrics("r", epoch, epoch, epoch_values(epoch));
      if (write(report_fd, &epoch, sizeof epoch) != sizeof epoch) _exit(3);
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "child: %s\n", e.what());
    _exit(2);
  }
}

TEST(StoreCrash, SigkillMidWriteKeepsEveryCommittedEpochExactlyOnce) {
  TempDir dir("store_crash");
  const std::string path = dir / "a.db";
  {
    auto s = Store::open(path);
    s.ensure_experiment("ablation");
    s.upsert_run(testing::make_run("r", "v", 1, 8, 0.1));
  }
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> delay_us(2'000, 60'000);
  std::set<int> reported;
  constexpr int kills = 8;
  for (int round = 0; round < kills; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      child_loop(path, fds[1]);
    }
    close(fds[1]);
    // Kill only once the child is writing: on a loaded machine opening the store can take longer than
    // the whole random delay, and a child killed before its first commit tests nothing.
    int epoch = 0;
    ASSERT_EQ(read(fds[0], &epoch, sizeof epoch), static_cast<ssize_t>(sizeof epoch)) << "the child died first";
    reported.insert(epoch);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended on its own: status " << status;
    while (read(fds[0], &epoch, sizeof epoch) == sizeof epoch) reported.insert(epoch);
    close(fds[0]);

    auto db = Database::open(path, Database::Mode::read_only);
    auto ic = db.prepare("PRAGMA integrity_check");
    ASSERT_TRUE(ic.step());
    EXPECT_EQ(ic.column_text(0), "ok") << "round " << round;
  }
  ASSERT_FALSE(reported.empty());

  auto s = Store::open(path);
  auto db = Database::open(path);
  // Every epoch in the database is complete (a transaction is all or nothing) and
  // carries each key exactly once with its value.
  auto per_epoch = db.prepare(
      "SELECT epoch, COUNT(*), COUNT(DISTINCT key), MIN(step), MAX(step) FROM metrics WHERE run_id = 'r' "
      "GROUP BY epoch ORDER BY epoch");
  std::set<int> stored;
  while (per_epoch.step()) {
    const int epoch = static_cast<int>(per_epoch.column_int(0));
    stored.insert(epoch);
    EXPECT_EQ(per_epoch.column_int(1), keys_per_epoch) << "epoch " << epoch;
    EXPECT_EQ(per_epoch.column_int(2), keys_per_epoch) << "epoch " << epoch;
    EXPECT_EQ(per_epoch.column_int(3), epoch);
    EXPECT_EQ(per_epoch.column_int(4), epoch);
  }
  // Every epoch a child saw committed is there (an epoch committed just before
  // the kill, before its report, may be stored without a report).
  for (int e : reported) EXPECT_TRUE(stored.count(e)) << "committed epoch " << e << " was lost";
  // No gaps: each child resumed at the last stored epoch.
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(*stored.begin(), 0);
  EXPECT_EQ(static_cast<size_t>(*stored.rbegin() + 1), stored.size());
  for (const auto& p : s.metrics("r"))
    EXPECT_DOUBLE_EQ(p.value, epoch_values(static_cast<int>(p.epoch)).at(p.key));
  RecordProperty("committed_epochs", static_cast<int>(stored.size()));
}

}  // namespace
}  // namespace atrous
