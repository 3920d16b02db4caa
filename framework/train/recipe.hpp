#pragma once
// A training recipe (configs/train/*.yaml): how long, how big the batches, which
// optimizer, schedule and loss, and when to evaluate and checkpoint. Every key has
// a default; unknown keys and bad values are errors at file:line:column.
//
//   epochs: 20                # or iterations: 5000 (exactly one of them)
//   batch_size: 8
//   seed: 0                   # initialisation and data order
//   optimizer: {type: adam, lr: 0.001, momentum: 0.9, nesterov: false, weight_decay: 0,
//               decay_bias_and_norm: true, beta1: 0.9, beta2: 0.999, eps: 1e-8}
//   schedule: {type: poly, warmup_steps: 0, warmup_start_factor: 0.1, power: 0.9,
//              min_lr: 0, gamma: 0.1, step_size: 0, milestones: []}
//   loss: {ce_weight: 1, dice_weight: 0, class_weights: none}   # or inverse_frequency, or [w0, w1, ...]
//   eval: {every: 1, multi_scale: [1.0], flip: false, boundary_band: 2}
//   checkpoint: {every: 1, best_metric: val.miou}
//   init: {from: PATH, layers: ["*"], strict: true}   # training in stages (train/stages.hpp)
//   freeze: [globs]
//   lr_mult: {glob: mult, ...}
//   data_parallel: false      # train over the ranks of `mpirun -np N` (train/collective.hpp)
//   sync_bn: false            # data-parallel: batch-norm statistics over the global batch
//   ranks: 1                  # > 1: data-parallel over exactly this many ranks; a sweep launches the run so
//                             (mpirun/srun -n N; docs/cluster.md), `atrous train` checks the launcher gave them
//   precision: f32            # or bf16: convolutions in bf16, parameters and loss in f32 (nn/precision.hpp)
// The schedule's total steps are the run's (epochs × batches per epoch, or iterations).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "nn/precision.hpp"
#include "train/loss.hpp"
#include "train/optimizer.hpp"
#include "train/schedule.hpp"

namespace atrous {

// The most ranks a recipe may ask for (train.ranks): far beyond what a global batch feeds.
inline constexpr int64_t kMaxRanks = 4096;

struct EvalRecipe {
  int64_t every = 1;                // evaluate every N epochs (and after the last)
  std::vector<double> scales{1.0};  // multi-scale evaluation: logits averaged over these input scales
  bool flip = false;                // also the mirrored input
  int64_t boundary_band = 2;        // boundary F-score tolerance, pixels
};

struct CheckpointRecipe {
  int64_t every = 1;                     // write last.safetensors every N epochs (and after the last)
  // best.safetensors is best by this metric, in its direction (largest val.miou, smallest
  // val.bits_per_sample): a `selects_checkpoint` entry of eval/metric_catalogue.hpp.
  std::string best_metric = "val.miou";
};

// A glob over the model's layer names (`*`, `?`; fnmatch) and where the recipe
// gave it, so that a glob found wrong against the model can be located.
struct LayerGlob {
  std::string glob;
  SourceLocation where;
};

// Parameters and batch-norm statistics loaded from a checkpoint before the first step.
struct InitRecipe {
  std::string from;               // a checkpoint file (relative: to the current directory); empty: none
  SourceLocation where;           // of `from`
  std::vector<LayerGlob> layers;  // the layers to load; empty: every layer
  bool strict = true;             // every tensor of a matched layer must be in the checkpoint
};

struct LrMult {
  LayerGlob layers;
  double mult = 1.0;
};

struct Recipe {
  int64_t epochs = 0;      // exactly one of epochs and iterations is > 0
  int64_t iterations = 0;
  int64_t batch_size = 8;
  uint64_t seed = 0;
  double lr = 0.001;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;           // base_lr = lr; total_steps set by the trainer
  LossConfig loss;                   // class_weights filled here only when fixed
  std::string class_weights = "none";  // none | inverse_frequency | fixed
  EvalRecipe eval;
  CheckpointRecipe checkpoint;
  InitRecipe init;
  std::vector<LayerGlob> freeze;  // layers whose parameters do not train
  std::vector<LrMult> lr_mult;    // per-layer learning-rate multipliers (the most specific glob wins)
  // Data-parallel training: batch_size stays the global batch, shared by the ranks. Both keys
  // appear in resolved() only when true, so that the ids of runs that do not use them stay.
  bool data_parallel = false;  // as `atrous train --data-parallel`
  bool sync_bn = false;        // batch norm over the global batch; false: each rank's shard
  // The ranks this run trains over; > 1 implies data_parallel. Part of the run (and its id) when not 1, so
  // that a sweep knows how to launch it and runs over 2 and 4 ranks are distinct runs.
  int64_t ranks = 1;
  // The convolutions' compute format; in resolved() only when not f32, so that the
  // ids of f32 runs stay what they were.
  Precision precision = Precision::f32;

  // Every key with its value, in the file's schema (read_recipe reads it back).
  nlohmann::json resolved() const;
};

// Reads the recipe at `pointer` of `doc` ("" when the document is the recipe).
Recipe read_recipe(const ConfigDoc& doc, const std::string& pointer = "");
// Loads a file and applies "key=value" overrides (new keys allowed: every key has a
// default). Overriding epochs drops the file's iterations and vice versa.
Recipe load_recipe_file(const std::string& path, const std::vector<std::string>& overrides = {});

}  // namespace atrous
