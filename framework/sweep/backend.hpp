#pragma once
// Where a sweep's runs execute. A backend receives run ids that are already in
// the results database (queued or interrupted) and makes each one execute as a
// worker (`atrous worker --db PATH --run ID --threads K`, sweep/worker.hpp),
// which records everything about the run itself. Local processes now; MPI ranks
// or Slurm array tasks are further implementations of the same interface.
// Run ids come parents first (a staged variant's runs after the runs they need).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sweep/run_needs.hpp"

namespace atrous {

struct LaunchPlan {
  std::string db_path;
  int jobs = 1;     // runs executing at once
  int threads = 0;  // total thread budget, shared by the jobs (0: all cores)
  // Progress lines for the user ("started ...", "finished ..."); may be empty.
  std::function<void(const std::string&)> report;
  // Run id -> the run it needs (run_needs.hpp): a backend starts it only once that
  // one is done (need_gate), and records it skipped when that one failed.
  std::map<std::string, RunNeed> needs;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Returns when every run has finished or, after SIGINT/SIGTERM (stop_signal.hpp),
  // when the running ones have been stopped (checkpointed and marked interrupted).
  virtual void execute(const std::vector<std::string>& run_ids, const LaunchPlan& plan) = 0;
};

}  // namespace atrous
