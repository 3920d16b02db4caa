// Checked file writes: a full disk or an I/O error is an Error naming the file and
// the call (never a silently short file), and the temporaries of killed writers
// are removed only when their process is gone.
#include "train/atomic_file.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "../data/data_test_support.hpp"
#include "core/error.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::TempDir;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// /dev/full fails every write with ENOSPC, as a full disk does.
TEST(AtomicFile, AppendingToAFullDeviceFailsNamingIt) {
  const std::string e = error_of([] { append_to_file("/dev/full", "{\"epoch\": 1}\n"); });
  EXPECT_EQ(e, "cannot write '/dev/full': write: No space left on device");
  TempDir dir("append");
  append_to_file(dir / "m.jsonl", "a\n");
  append_to_file(dir / "m.jsonl", "b\n");
  std::ifstream in(dir / "m.jsonl");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "a\nb\n");
  const std::string missing = error_of([&] { append_to_file(dir / "no/such/m.jsonl", "a"); });
  EXPECT_TRUE(contains(missing, "m.jsonl': open: No such file")) << missing;
}

// A file write beyond RLIMIT_FSIZE fails with EFBIG: the whole-file write fails
// naming the target, and neither a partial target nor a temporary is left.
TEST(AtomicFile, AWriteBeyondTheFileSizeLimitFailsAndLeavesNothing) {
  TempDir dir("atomic_limit");
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 100;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string e = error_of([&] { write_file_atomically(dir / "config.json", std::string(1000, 'x')); });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous);
  EXPECT_EQ(e, "cannot write '" + (dir / "config.json") + "': write: File too large");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(AtomicFile, OnlyTemporariesOfDeadProcessesAreRemoved) {
  TempDir dir("stale_tmp");
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // gone: its pid is free
  const std::string dead = "last.safetensors.tmp-" + std::to_string(child) + "-0";
  const std::string impossible = "best.safetensors.tmp-99999999999-2";  // beyond any pid
  const std::string parent = "last.safetensors.tmp-" + std::to_string(::getppid()) + "-1";
  const std::string self = "config.json.tmp-" + std::to_string(::getpid()) + "-5";
  const std::string unrelated = "notes.tmp-x-1", target = "last.safetensors";
  for (const auto& name : {dead, impossible, parent, self, unrelated, target}) dir.write(name, "x");
  auto removed = remove_stale_temporaries(dir.path());
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{impossible, dead}));
  for (const auto& kept : {parent, self, unrelated, target})
    EXPECT_TRUE(fs::exists(dir / kept)) << kept;
  EXPECT_TRUE(remove_stale_temporaries(dir / "absent").empty());
}

}  // namespace
}  // namespace atrous
