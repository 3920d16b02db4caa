#pragma once
// Runs workers as child processes of this one (fork + exec of /proc/self/exe),
// `jobs` at a time, each with threads max(1, budget / jobs). A run that needs
// another (LaunchPlan::needs) waits until that one is done; when it failed the run
// is recorded failed ("skipped: ..."), when this sweep does not run it, the run is
// left queued.
//
// A child killed by a signal (or exiting abnormally) while its run is still
// 'running' in the database leaves a record behind: failed with "worker killed by
// signal N", or interrupted when the sweep itself is stopping. On SIGINT, SIGTERM
// or SIGHUP the children get SIGTERM, checkpoint and exit; no new run starts. A
// sweep that dies without stopping them (SIGKILL) takes them along: each child
// gets SIGTERM from the kernel when its parent dies (PR_SET_PDEATHSIG).
//
// A run over N ranks (its stored config's train.ranks) is started as `mpirun -np N ... atrous worker`, each rank
// with the job's threads / N; mpirun forwards the stop signals. Its claim holds rank 0's pid: when mpirun ends
// and that pid is dead while the run is still 'running', the run is recorded as above. mpirun missing, or a
// build without MPI, is a usage error before any run starts.
#include "sweep/backend.hpp"

namespace atrous {

class LocalBackend : public Backend {
 public:
  // `executable`: the atrous binary (default: /proc/self/exe).
  explicit LocalBackend(std::string executable = "/proc/self/exe") : executable_(std::move(executable)) {}
  void execute(const std::vector<std::string>& run_ids, const LaunchPlan& plan) override;

  // Threads each of `jobs` concurrent runs gets from a budget (0: all cores).
  static int threads_per_job(int budget, int jobs);

 private:
  std::string executable_;
};

}  // namespace atrous
