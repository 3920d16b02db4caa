#pragma once
// The unit every sweep backend runs: one run of the results database, in its own
// process (`atrous worker --db PATH --run ID`), so that a crash takes down one
// run, not the sweep, and so that MPI ranks or Slurm array tasks can run the same
// unit. The worker
//   - claims the run (queued/interrupted -> running, with pid, host, versions, threads),
//   - rebuilds it from its stored config_json (a train.init.from "run:<id>" becomes
//     that done run's best checkpoint, run_needs.hpp) and trains it in run_dir() with
//     resume (an interrupted run continues from its last checkpoint),
//   - logs each evaluated epoch's metrics in one transaction (idempotent per step,
//     so a replayed epoch replaces its rows),
//   - stops gracefully on SIGINT/SIGTERM (checkpoint, status interrupted),
//   - records summaries, artifacts and the final status with its reason.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace atrous {

// Exit codes of `atrous worker`; the backends read them.
inline constexpr int worker_exit_done = 0;
inline constexpr int worker_exit_failed = 3;
inline constexpr int worker_exit_interrupted = 4;
inline constexpr int worker_exit_not_claimed = 5;  // the run was not queued/interrupted (someone else has it)

// <folder of the database>/runs/<id>: where a run's files go.
std::string run_dir(const std::string& db_path, const std::string& run_id);

// Runs one run; returns the exit code. threads 0 keeps the current setting.
int run_worker(const std::string& db_path, const std::string& run_id, int threads);

// An epoch record of the trainer as store metrics: train.loss, train.lr, val.miou,
// val.boundary_f, ... and val.iou.<class> per class. Missing (null) values are left out.
std::map<std::string, double> flatten_epoch_metrics(const nlohmann::json& record,
                                                    const std::vector<std::string>& class_names);

}  // namespace atrous
