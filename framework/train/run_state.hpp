#pragma once
// A training run's resumable state in a checkpoint, and resuming it from a run
// folder. Besides parameters and optimizer state, a checkpoint holds the step, the
// running epoch's loss sums and the best metric so far (metadata), so that a
// resumed run continues bit-identically.
//
// Resuming tolerates a damaged folder: when last.safetensors cannot be used
// (truncated, unreadable, non-finite values) the run falls back to
// best.safetensors (a full state saved at an epoch end of the same run), and when
// neither can be used it starts afresh; each fallback is a note saying why. Only a
// checkpoint of a different run configuration is an error (the folder is not this
// run's).
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nn/graph.hpp"
#include "train/run_config.hpp"
#include "train/train_step.hpp"

namespace atrous {

struct RunState {
  int64_t step = 0;
  double loss_sum = 0, ce_sum = 0, dice_sum = 0;  // the running epoch's
  int64_t loss_count = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  nlohmann::json best_record;  // null until a validation ran
};

// Writes atomically; refuses (Error naming the parameter) to save non-finite parameters.
void save_run_state(const std::string& path, Graph& graph, TrainStep& ts, const RunConfig& run, const RunState& state,
                    int64_t batches_per_epoch);

// Reads a state saved by save_run_state. Throws when the file is unusable; the
// graph and the optimizer are unchanged then.
RunState load_run_state(const std::string& path, Graph& graph, TrainStep& ts, const RunConfig& run);

struct ResumedState {
  RunState state;
  std::string from;                // the checkpoint's file name; empty: nothing usable, a fresh start
  std::vector<std::string> notes;  // why a checkpoint was passed over
};

// The state to continue from in `dir`: last.safetensors, else best.safetensors,
// else none (a fresh start: the graph and optimizer are left as they were).
ResumedState resume_run_state(const std::string& dir, Graph& graph, TrainStep& ts, const RunConfig& run);

}  // namespace atrous
