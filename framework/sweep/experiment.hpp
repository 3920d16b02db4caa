#pragma once
// Experiment specs (experiments/*.yaml): an ablation described once.
//
//   name: ablation
//   description: FCN vs dilated vs dilated + ASPP on shapes
//   base: {model: configs/models/fcn.yaml, data: configs/data/shapes.yaml,
//          train: configs/train/default.yaml, set: {train.epochs: 10}}
//   variants:
//     fcn: {}
//     dilated: {model: configs/models/dilated.yaml}
//     dilated_ms: {model: configs/models/dilated.yaml, data.augment.scales: [0.5, 1.0, 1.5]}
//     context: {needs: fcn, train.init.from: "run:fcn", train.freeze: ["stack.*"]}   # a second stage
//   grid: {train.optimizer.lr: [0.01, 0.003]}     # optional: cartesian product
//   grid:                                          # ... or a named axis of option bundles
//     dataset:
//       shapes: {}
//       fashion: {data: configs/data/fashion_scenes.yaml, model.classes: 11, model.in_channels: 1}
//   seeds: [1, 2, 3]                                # each becomes train.seed
//   report: {metric: val.miou, baseline: fcn,
//            claims: ["dilated_ms > dilated > fcn"]}  # orderings the report tests (sweep/claim.hpp)
//
// A variant replaces any of the three files (`model`, `data`, `train`) and/or
// overrides dotted keys of a document (`model.width`, `data.seed`, `train.lr`).
// A grid key with a dot sweeps that override's values; a key without one names an
// axis whose values are option bundles written like variants (files and dotted
// overrides), applied after the variant's. Expansion gives one planned run per
// variant × grid point × seed, in that order.
//
// A variant that `needs` another (its parent) is a later stage: each of its runs
// depends on the parent's run at the same grid point and seed. A value
// "run:<parent>" in the variant names that run; the plan writes the parent's run
// id in its place (so a changed parent changes its children's ids), runs parents
// first, and a sweep starts a child only once its parent is done. A variant
// refers only to the variant it needs; unknown parents and cycles are located
// errors.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace atrous {

struct VariantSpec {
  std::string name;
  std::map<std::string, std::string> files;  // "model" | "data" | "train" -> path (resolved)
  std::vector<std::string> overrides;        // "document.key=value", in file order
  std::string pointer;                       // JSON pointer of the variant in the spec (for errors)
  std::string needs;                         // the parent variant ("" for a first stage)
  std::string needs_pointer;                 // where `needs` was written
};

// One value of a named grid axis: files and overrides, like a variant.
struct GridOption {
  std::string name;
  std::map<std::string, std::string> files;
  std::vector<std::string> overrides;
  std::string pointer;
};

struct GridAxis {
  std::string key;                     // dotted ("train.optimizer.lr"), or an axis name ("dataset")
  std::vector<nlohmann::json> values;  // the override's values; a named axis: its option names
  std::vector<GridOption> options;     // a named axis's options, in file order
  std::string pointer;

  bool named() const { return !options.empty(); }
  // Adds what `value` (one of `values`) means to a run's files and overrides.
  void apply(const nlohmann::json& value, std::map<std::string, std::string>& files,
             std::vector<std::string>& overrides) const;
};

// The seed of every run of a spec that lists none.
inline constexpr int64_t kDefaultSeed = 0;

struct ExperimentSpec {
  std::string name, description, file;
  std::map<std::string, std::string> base_files;  // model, data, train -> path (resolved)
  std::vector<std::string> base_overrides;
  std::vector<VariantSpec> variants;
  std::vector<GridAxis> grid;
  std::vector<int64_t> seeds;
  std::string report_metric = "val.miou";
  std::string baseline;  // a variant name; defaults to the first variant
  std::vector<std::string> claims;  // report.claims: orderings to test ("a > b > c", sweep/claim.hpp)
  ConfigDoc doc;         // the parsed file, for located errors

  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const { doc.fail(pointer, message); }
};

struct PlannedRun {
  std::string variant;
  std::map<std::string, nlohmann::json> grid_values;  // key -> value at this grid point
  int64_t seed = 0;
  std::map<std::string, std::string> files;           // model, data, train -> path
  std::vector<std::string> overrides;                 // base, then variant, then grid, then train.seed
  std::string variant_pointer;                        // where the variant was declared
  std::string needs;                                  // the variant's parent ("" when none)
  // "dilated lr=0.01 seed=2": a human label.
  std::string label() const;
};

// The most runs one spec may plan. A plan is resolved (three YAML files per run)
// and held in memory before anything runs: 1000 runs took 22 s and 83 MB on a
// loaded 2-core machine, so 10^4 runs are minutes and ~1 GB, and a grid whose
// product is 10^7 ran out of memory. Above this, expand() refuses.
inline constexpr int64_t kMaxPlannedRuns = 10000;

// variants × grid points × seeds, counted without expanding; saturates at
// INT64_MAX instead of overflowing.
int64_t planned_run_count(const ExperimentSpec& spec);

// Reads and validates the spec's structure (types, required keys, files exist,
// non-empty); override keys are validated when the runs are resolved.
ExperimentSpec load_experiment(const std::string& path);
// The variants in the order their runs are planned: file order, except that a
// variant comes after the one it needs.
std::vector<const VariantSpec*> stage_order(const ExperimentSpec& spec);
// The planned runs (a parent's runs before its children's). More than kMaxPlannedRuns is a usage error located at the
// grid (or the variants, or the seeds) naming each factor of the count.
std::vector<PlannedRun> expand(const ExperimentSpec& spec);

// Finds a config file named in an experiment: as given (relative to the current
// directory), then beside the experiment file, then in its parent directory (the
// project root for experiments/*.yaml). Throws located at `pointer` when absent.
std::string locate_config_file(const ExperimentSpec& spec, const std::string& name, const std::string& pointer);

}  // namespace atrous
