// The sweep's judgement of runs left running: dead processes on this host only.
#include "sweep/stale_runs.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store_test_support.hpp"

namespace atrous {
namespace {

using namespace store;
using testing::TempDir;

// A pid that surely existed and is now dead: a child we reaped.
pid_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

TEST(StaleRuns, ProcessAlive) {
  EXPECT_TRUE(process_alive(getpid()));
  EXPECT_TRUE(process_alive(1));  // EPERM or not: it exists
  EXPECT_FALSE(process_alive(dead_pid()));
  EXPECT_FALSE(process_alive(0));
  EXPECT_FALSE(process_alive(-5));
}

TEST(StaleRuns, RunsOfDeadProcessesOnThisHostAreInterrupted) {
  TempDir dir("stale_runs");
  auto s = Store::open(dir / "a.db");
  testing::fill_example(s);
  const pid_t child = dead_pid();
  ASSERT_GT(child, 0);

  RuntimeInfo dead = current_runtime_info();
  dead.pid = child;
  RuntimeInfo alive = current_runtime_info();
  RuntimeInfo elsewhere = dead;
  elsewhere.host = "another-host";
  ASSERT_TRUE(s.claim_run("b2", dead));
  s.upsert_run(testing::make_run("q1", "dilated", 3, 8, 0.1));
  s.upsert_run(testing::make_run("q2", "dilated", 3, 8, 0.1));
  ASSERT_TRUE(s.claim_run("q1", alive));
  ASSERT_TRUE(s.claim_run("q2", elsewhere));

  EXPECT_EQ(interrupt_stale_runs(s, host_name()), std::vector<std::string>{"b2"});
  auto b2 = s.find_run("b2");
  EXPECT_EQ(b2->status, RunStatus::interrupted);
  EXPECT_EQ(b2->error, fmt::format("process {} on {} died while running", child, host_name()));
  EXPECT_FALSE(b2->end_time.empty());
  EXPECT_EQ(s.find_run("q1")->status, RunStatus::running);
  EXPECT_EQ(s.find_run("q2")->status, RunStatus::running);  // other hosts are not judged here
  EXPECT_TRUE(interrupt_stale_runs(s, host_name()).empty());  // done once
  EXPECT_TRUE(s.claim_run("b2", alive));                      // an interrupted run can be resumed
}

TEST(StaleRuns, TheStoreReChecksBeforeInterrupting) {
  TempDir dir("stale_recheck");
  auto s = Store::open(dir / "a.db");
  testing::fill_example(s);
  RuntimeInfo first = current_runtime_info();
  first.pid = 111;
  ASSERT_TRUE(s.claim_run("b2", first));
  // Seen running under pid 111; meanwhile it ended and another worker (pid 222) claimed it again.
  s.set_status("b2", RunStatus::interrupted);
  RuntimeInfo second = first;
  second.pid = 222;
  ASSERT_TRUE(s.claim_run("b2", second));
  EXPECT_FALSE(s.interrupt_if_running("b2", first.host, 111, "process 111 died"));
  EXPECT_EQ(s.find_run("b2")->status, RunStatus::running);
  // The same pid on another host is another process.
  EXPECT_FALSE(s.interrupt_if_running("b2", first.host + "-other", 222, "process 222 died"));
  EXPECT_EQ(s.find_run("b2")->status, RunStatus::running);
  s.set_status("b2", RunStatus::done);
  EXPECT_FALSE(s.interrupt_if_running("b2", first.host, 222, "process 222 died"));  // finished meanwhile
  EXPECT_EQ(s.find_run("b2")->status, RunStatus::done);
  EXPECT_TRUE(s.find_run("b2")->error.empty());
}

}  // namespace
}  // namespace atrous
