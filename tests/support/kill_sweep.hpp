#pragma once
// The kill test of a sweep: start `atrous sweep SPEC --jobs 2 --threads 2 --db DB`
// in its own process group (stdout and stderr to LOG), wait until a run of
// `experiment` satisfies `caught` (polled every 10 ms, at most `timeout`), then
// SIGKILL the whole group — the sweep and its workers, as the OOM killer or a
// power cut would — and reap every orphaned worker (this process becomes their
// subreaper: a zombie would look alive to the next sweep's stale-run check).
// Returns whether a run was caught before the timeout.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "atrous_paths.hpp"  // ATROUS_BINARY
#include "store/store.hpp"

namespace atrous::testing {

inline bool sigkill_sweep_when(const std::string& spec, const std::string& db, const std::string& log,
                               const std::string& experiment,
                               const std::function<bool(store::Store&, const store::RunRecord&)>& caught,
                               std::chrono::milliseconds timeout) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return false;
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    setpgid(0, 0);
    if (!std::freopen(log.c_str(), "w", stdout) || !std::freopen(log.c_str(), "a", stderr)) _exit(126);
    execl(ATROUS_BINARY, ATROUS_BINARY, "sweep", spec.c_str(), "--jobs", "2", "--threads", "2", "--db", db.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  bool mid_run = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!mid_run && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    try {
      auto s = store::Store::open(db);
      for (const auto& r : s.runs(experiment))
        if (caught(s, r)) mid_run = true;
    } catch (const std::exception&) {
      // not created yet
    }
  }
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  while (waitpid(-1, &status, 0) > 0) {
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  return mid_run;
}

}  // namespace atrous::testing
