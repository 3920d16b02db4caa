// The trainer against a hostile run folder and a diverging run: a damaged or
// non-finite last checkpoint falls back to best.safetensors or to a fresh start
// (still bit-identical to an uninterrupted run), temporaries of killed writers
// are removed, a full disk fails the run naming the file, and parameters that
// leave the finite floats fail the run even while the loss stays finite.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <limits>

#include "../data/data_test_support.hpp"
#include "train/checkpoint.hpp"
#include "train/divergence.hpp"
#include "train/trainer.hpp"
#include "trainer_test_support.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::quiet;
using testing::read_text;
using testing::StopAt;
using testing::TempDir;
using testing::tiny_run;

// What an uninterrupted tiny run ends with.
struct Straight {
  Checkpoint last;
  std::string metrics;
};
const Straight& straight() {
  static const Straight s = [] {
    TempDir dir("recovery_straight");
    EXPECT_EQ(train_run(tiny_run(), quiet(dir.str())).status, RunStatus::done);
    return Straight{load_checkpoint(dir / "last.safetensors"), read_text(dir / "metrics.jsonl")};
  }();
  return s;
}

void expect_like_straight(const TempDir& dir, const std::string& what) {
  const Checkpoint got = load_checkpoint(dir / "last.safetensors");
  ASSERT_EQ(got.tensors.size(), straight().last.tensors.size()) << what;
  for (const auto& [name, t] : straight().last.tensors)
    EXPECT_EQ(got.tensors.at(name).data, t.data) << name << " differs: " << what;
  EXPECT_EQ(read_text(dir / "metrics.jsonl"), straight().metrics) << what;
}

std::string joined(const std::vector<std::string>& notes) {
  std::string s;
  for (const auto& n : notes) s += n + "\n";
  return s;
}

void truncate_file(const std::string& path, uintmax_t size) { fs::resize_file(path, size); }

// A pid that existed and is gone: a child that exited and was reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

// Interrupted at step 6 of 8: last.safetensors at step 6, best.safetensors at step 4.
void interrupt_at_6(const TempDir& dir) {
  StopAt stop(6);
  ASSERT_EQ(train_run(tiny_run(), quiet(dir.str()), &stop).status, RunStatus::interrupted);
}

TrainResult resume(const TempDir& dir) {
  TrainOptions o = quiet(dir.str());
  o.resume = true;
  return train_run(tiny_run(), o);
}

// A last checkpoint truncated (a copy cut short, a disk that filled before
// checkpoints were written atomically) made every --retry-failed fail again.
TEST(TrainerRecovery, ATruncatedLastCheckpointFallsBackToBest) {
  TempDir dir("recovery_best");
  interrupt_at_6(dir);
  truncate_file(dir / "last.safetensors", 100);
  // Temporaries of a writer killed at its rename: a dead pid's go, a live one's stay.
  const std::string stale = "last.safetensors.tmp-" + std::to_string(dead_pid()) + "-0";
  const std::string live = "best.safetensors.tmp-" + std::to_string(::getppid()) + "-3";
  dir.write(stale, "partial");
  dir.write(live, "partial");
  const TrainResult r = resume(dir);
  ASSERT_EQ(r.status, RunStatus::done) << r.reason;
  const std::string notes = joined(r.notes);
  EXPECT_TRUE(contains(notes, "last.safetensors cannot be used")) << notes;
  EXPECT_TRUE(contains(notes, "resumed from best.safetensors at step 4 instead of last.safetensors")) << notes;
  EXPECT_TRUE(contains(notes, "removed " + stale)) << notes;
  EXPECT_FALSE(fs::exists(dir / stale));
  EXPECT_TRUE(fs::exists(dir / live));
  const std::string log = read_text(dir / "train.log");
  EXPECT_TRUE(contains(log, "note: resumed from best.safetensors")) << log;
  expect_like_straight(dir, "resumed from best");
}

// Neither checkpoint usable (last with a NaN from a diverged old version, best
// truncated): a fresh start, which ends exactly like a straight run.
TEST(TrainerRecovery, NoUsableCheckpointStartsAfresh) {
  TempDir dir("recovery_fresh");
  interrupt_at_6(dir);
  Checkpoint last = load_checkpoint(dir / "last.safetensors");
  last.tensors.begin()->second.data[1] = std::numeric_limits<float>::quiet_NaN();
  save_checkpoint(dir / "last.safetensors", last);
  truncate_file(dir / "best.safetensors", 7);
  const TrainResult r = resume(dir);
  ASSERT_EQ(r.status, RunStatus::done) << r.reason;
  const std::string notes = joined(r.notes);
  EXPECT_TRUE(contains(notes, "is nan (element 1): saved from a diverged run")) << notes;
  EXPECT_TRUE(contains(notes, "best.safetensors cannot be used")) << notes;
  EXPECT_TRUE(contains(notes, "the run starts afresh from step 0")) << notes;
  expect_like_straight(dir, "fresh start");
  // A checkpoint of another run is still refused, not silently replaced.
  TrainOptions o = quiet(dir.str());
  o.resume = true;
  EXPECT_THROW(train_run(tiny_run({"train.optimizer.lr=0.01"}), o), Error);
}

// SGD at lr 1e38 ended `done` with most weights non-finite: the parameters are
// checked after every update, the run fails naming the first bad parameter and the
// step, and no checkpoint holds a non-finite value.
TEST(TrainerRecovery, DivergedParametersFailTheRunAndAreNeverSaved) {
  TempDir dir("recovery_diverge");
  const TrainResult r = train_run(tiny_run({"train.optimizer.type=sgd", "train.optimizer.lr=1e38"}), quiet(dir.str()));
  EXPECT_EQ(r.status, RunStatus::failed);
  ASSERT_GE(r.failed_step, 0);
  EXPECT_EQ(r.steps, r.failed_step);
  EXPECT_TRUE(contains(r.reason, "at step " + std::to_string(r.failed_step))) << r.reason;
  EXPECT_TRUE(contains(r.reason, "diverged")) << r.reason;
  for (const char* name : {"last.safetensors", "best.safetensors"}) {
    if (!fs::exists(dir / name)) continue;
    for (const auto& [t, v] : load_checkpoint(dir / name).tensors)
      EXPECT_EQ(first_non_finite(v.data), v.data.size()) << name << ": " << t;
  }
}

TEST(TrainerRecovery, FirstNonFiniteFindsTheElement) {
  std::vector<float> v(1000, 1.f);
  EXPECT_EQ(first_non_finite(v), v.size());
  v[777] = -std::numeric_limits<float>::infinity();
  v[900] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(first_non_finite(v), 777u);
  v[3] = std::numeric_limits<float>::max();  // large but finite
  EXPECT_EQ(first_non_finite(v), 777u);
}

// A full disk wrote config.json as 0 bytes and went on. RLIMIT_FSIZE makes every
// write beyond 64 bytes fail with EFBIG, as a full disk fails with ENOSPC, without
// privileges or a small file system (SIGXFSZ ignored, so write() returns the error).
TEST(TrainerRecovery, AFullDiskFailsTheRunNamingTheFile) {
  TempDir dir("recovery_full");
  const RunConfig run = tiny_run();
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    train_run(run, quiet(dir.str()));
  } catch (const Error& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous);
  EXPECT_TRUE(contains(error, "cannot write '" + (dir / "config.json") + "': write: File too large")) << error;
}

}  // namespace
}  // namespace atrous
