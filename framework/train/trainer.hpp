#pragma once
// One training run from a RunConfig: the fused graph initialised from the
// recipe's seed, the loader seeded from it, TrainStep per batch, evaluation and
// checkpoints at epoch ends. Everything a later step depends on (parameters,
// optimizer state, step, the running epoch loss, the best metric) is in the
// checkpoint, and the data order and the schedule are pure functions of the
// step, so a resumed run continues bit-identically.
//
// Files in out_dir:
//   config.json          the resolved run (canonical JSON)
//   last.safetensors     params + optimizer state + step + epoch + run JSON (metadata "run")
//   best.safetensors     the same at the best value of checkpoint.best_metric
//   metrics.jsonl        one line per evaluated epoch
//   predictions/*.png    a few fixed val images: image | ground truth | prediction
//   train.log            epoch summaries and the final status
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/run_status.hpp"
#include "eval/metrics.hpp"
#include "train/loss.hpp"
#include "train/progress.hpp"
#include "train/run_config.hpp"

namespace atrous {

struct TrainOptions {
  std::string out_dir;
  bool resume = false;  // continue from out_dir/last.safetensors when it exists
  int threads = 0;      // 0: leave the current setting
  ProgressMode progress = ProgressMode::automatic;
  int64_t predictions = 4;  // val images drawn into predictions/
  // Data-parallel over the ranks of the MPI launcher (as the recipe's `data_parallel: true`):
  // each rank trains on its shard of every global batch (train.batch_size), gradients and
  // the loss's totals are summed over the ranks; rank 0 alone evaluates (the whole val split),
  // logs, writes metrics and checkpoints and calls the observer's on_* methods; should_stop is
  // asked on every rank and any rank's "stop" stops all. Every rank reads the checkpoint on resume.
  bool data_parallel = false;
};

struct StepReport {
  int64_t step = 0;   // 0-based index of the step just run
  int64_t epoch = 0;  // 0-based
  LossValue loss;
  double lr = 0;
  double img_per_s = 0;  // this session's average
};

// What a sweep implements to follow (and stop) a run. Calls come from the
// training thread.
class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual void on_step(const StepReport&) {}
  // metrics: {"epoch", "step", "train": {"loss", "ce", "dice", "lr"}, "val": Metrics::to_json()?}
  virtual void on_epoch(int64_t /*epoch*/, int64_t /*step*/, const nlohmann::json& /*metrics*/) {}
  virtual void on_checkpoint(const std::string& /*path*/, bool /*is_best*/) {}
  // Polled after every step; true ends the run gracefully (checkpoint, status interrupted).
  virtual bool should_stop() { return false; }
};

struct TrainResult {
  RunStatus status = RunStatus::done;  // done, failed or interrupted
  std::string reason;                  // why it failed or stopped
  int64_t failed_step = -1;     // the step whose loss or updated parameters were not finite
  std::vector<std::string> notes;  // what the run did about its folder: checkpoints passed over, temporaries removed
  nlohmann::json final_metrics;  // the last epoch's metrics record (see on_epoch)
  nlohmann::json best_metrics;   // the record with the best checkpoint.best_metric
  std::optional<Metrics> final_val;  // the last validation metrics, for tables
  int64_t steps = 0;                 // steps done in total (resumed ones included)
  double wall_seconds = 0;           // this session
  double train_img_per_s = 0;        // this session, training steps only
  nlohmann::json to_json() const;
};

TrainResult train_run(const RunConfig& run, const TrainOptions& options, TrainObserver* observer = nullptr);

// The number of steps and epochs of a run (epochs: ceil(steps / batches per epoch)).
struct RunLength {
  int64_t steps = 0, epochs = 0, batches_per_epoch = 0;
};
RunLength run_length(const RunConfig& run);

// The value of a dotted metric ("val.miou") in an epoch record; NaN when absent.
double metric_value(const nlohmann::json& record, const std::string& dotted);

}  // namespace atrous
