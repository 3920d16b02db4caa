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
//   grid: {train.optimizer.lr: [0.01, 0.003]}     # optional: cartesian product
//   seeds: [1, 2, 3]                                # each becomes train.seed
//   report: {metric: val.miou, baseline: fcn}
//
// A variant replaces any of the three files (`model`, `data`, `train`) and/or
// overrides dotted keys of a document (`model.width`, `data.seed`, `train.lr`).
// Expansion gives one planned run per variant × grid point × seed, in that order.
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
};

struct GridAxis {
  std::string key;                  // dotted, e.g. "train.optimizer.lr"
  std::vector<nlohmann::json> values;
  std::string pointer;
};

struct ExperimentSpec {
  std::string name, description, file;
  std::map<std::string, std::string> base_files;  // model, data, train -> path (resolved)
  std::vector<std::string> base_overrides;
  std::vector<VariantSpec> variants;
  std::vector<GridAxis> grid;
  std::vector<int64_t> seeds;
  std::string report_metric = "val.miou";
  std::string baseline;  // a variant name; defaults to the first variant
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
  // "dilated lr=0.01 seed=2": a human label.
  std::string label() const;
};

// Reads and validates the spec's structure (types, required keys, files exist,
// non-empty); override keys are validated when the runs are resolved.
ExperimentSpec load_experiment(const std::string& path);
std::vector<PlannedRun> expand(const ExperimentSpec& spec);

// Finds a config file named in an experiment: as given (relative to the current
// directory), then beside the experiment file, then in its parent directory (the
// project root for experiments/*.yaml). Throws located at `pointer` when absent.
std::string locate_config_file(const ExperimentSpec& spec, const std::string& name, const std::string& pointer);

}  // namespace atrous
