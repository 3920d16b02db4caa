#pragma once
// What a worker does with one run, apart from where the results go: rebuild the
// run from its config, train it in its folder with resume, and hand every result
// (epoch metrics, checkpoints and other artifacts, summaries, the final status) to
// a RunRecorder. Two recorders exist: the results database (`atrous worker --db`,
// sweep/worker.cpp) and the run journal beside the run's files (`atrous worker
// --manifest`, sweep/journal_recorder.hpp), which `atrous ingest` folds into the
// database later. Sharing this code is what makes the two backends' rows equal.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/run_status.hpp"

namespace atrous {

class RunRecorder {
 public:
  virtual ~RunRecorder() = default;
  // Summary wall_seconds of the run's earlier sessions (0 for its first), so that
  // the recorded wall time covers every session of a resumed run.
  virtual double previous_wall_seconds() = 0;
  // One evaluated epoch's metrics (flatten_epoch_metrics).
  virtual void epoch(int64_t step, int64_t epoch, const std::map<std::string, double>& metrics) = 0;
  // A file of the run; the same (kind, path) may come again and must be kept once.
  virtual void artifact(const std::string& kind, const std::string& path) = 0;
  virtual void summaries(const std::map<std::string, double>& values) = 0;
  // The final status of this session: done, failed or interrupted, with its reason.
  virtual void status(RunStatus status, const std::string& reason) = 0;
};

// Trains run `run_id` in `out_dir` with resume and records it; returns the worker's
// exit code (worker_exit_done/failed/interrupted). `config` gives the config to
// train (it may throw, e.g. a parent without a checkpoint): every exception from
// here on is recorded as a failed run with its message.
int train_and_record(const std::string& run_id, const std::function<nlohmann::json()>& config,
                     const std::string& out_dir, RunRecorder& recorder);

}  // namespace atrous
