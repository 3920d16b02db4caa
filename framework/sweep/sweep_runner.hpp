#pragma once
// `atrous sweep`: a resolved plan into the results database and through a backend.
//   - runs left 'running' by a dead process on this host become interrupted,
//   - the experiment and every run of the plan are recorded (queued when new;
//     existing runs keep their state, so the same command again resumes; a run
//     another experiment recorded is linked to this one too, and reused if done),
//   - --retry-failed requeues failed runs,
//   - every queued or interrupted run of the plan goes to the backend, parents
//     first, with the run each child needs (LaunchPlan::needs).
// Also the dry-run's plan table (state in the database, estimated cost).
#include <string>
#include <vector>

#include "core/table_format.hpp"
#include "sweep/backend.hpp"
#include "sweep/plan.hpp"
#include "train/progress.hpp"  // format_duration

namespace atrous {

struct SweepOptions {
  std::string db_path;
  int jobs = 1, threads = 0;
  bool retry_failed = false;
  std::function<void(const std::string&)> report;  // progress lines
};

struct SweepOutcome {
  std::vector<std::string> launched;      // run ids given to the backend
  std::vector<std::string> stale;         // runs found 'running' by a dead process, marked interrupted
  // Planned runs another experiment recorded first (same resolved config): the
  // experiments share them; a done one is reused, not run again. (id, experiment)
  std::vector<std::pair<std::string, std::string>> shared;
  Table summary;                          // variant, grid, seed, status, <report metric>, id
  int done = 0, failed = 0, interrupted = 0, other = 0;
  bool all_done() const { return failed == 0 && interrupted == 0 && other == 0; }
};

SweepOutcome run_sweep(const SweepPlan& plan, const SweepOptions& options, Backend& backend);

// The plan as a table: variant, grid, seed, id (12 chars), state in the database
// (new when absent; the database is not created), after (the parent run a staged run
// waits for, 12 chars; "-" for none), est. cost. The cost of a run is
// steps × batch / img/s measured by a finished run of the same model (summary
// train_img_per_s); "unknown" without one. `total_seconds` is the sum of the known costs.
Table plan_table(const SweepPlan& plan, const std::string& db_path, double* total_seconds = nullptr,
                 int* unknown_costs = nullptr);

}  // namespace atrous
