#pragma once
// Where a sweep's runs execute. A backend receives run ids that are already in
// the results database (queued or interrupted) and makes each one execute as a
// worker (`atrous worker --db PATH --run ID --threads K`, sweep/worker.hpp),
// which records everything about the run itself. Local processes now; MPI ranks
// or Slurm array tasks are further implementations of the same interface.
#include <functional>
#include <string>
#include <vector>

namespace atrous {

struct LaunchPlan {
  std::string db_path;
  int jobs = 1;     // runs executing at once
  int threads = 0;  // total thread budget, shared by the jobs (0: all cores)
  // Progress lines for the user ("started ...", "finished ..."); may be empty.
  std::function<void(const std::string&)> report;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Returns when every run has finished or, after SIGINT/SIGTERM (stop_signal.hpp),
  // when the running ones have been stopped (checkpointed and marked interrupted).
  virtual void execute(const std::vector<std::string>& run_ids, const LaunchPlan& plan) = 0;
};

}  // namespace atrous
