#pragma once
// A RUN: the three documents one training run is made of, resolved.
//   resolved = {"model": <ResolvedModel spec>, "data": <DataConfig::resolved()>,
//               "train": <Recipe::resolved()>}
// as canonical JSON (sorted keys), so that a sweep can hash it into a run id and
// rebuild everything (graph, dataset, recipe) from it alone (run_from_json).
//
// Overrides are "document.key=value": the first dotted component selects the
// document, the rest is that document's own override ("model.width=32" is the
// model parameter/key override "width=32"; "data.seed=3"; "train.optimizer.lr=0.1").
// A run file names the three files and may carry overrides:
//   model: ../models/dilated.yaml      # relative to the run file
//   data: ../data/shapes.yaml
//   train: ../train/default.yaml
//   set: {model.width: 32, train.epochs: 5}
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/data_config.hpp"
#include "model/resolved.hpp"
#include "train/recipe.hpp"

namespace atrous {

struct RunConfig {
  ResolvedModel model;
  DataConfig data;
  Recipe train;
  nlohmann::json resolved;  // {"model", "data", "train"}

  // One line of JSON with sorted keys.
  std::string canonical() const { return resolved.dump(); }
  // 16 hex digits of FNV-1a over canonical(): stable across machines and builds.
  std::string hash() const;
};

// Splits "train.optimizer.lr=0.1" into ("train", "optimizer.lr=0.1"); anything but
// model/data/train first is a usage error naming the override.
std::pair<std::string, std::string> split_run_override(const std::string& assignment);

RunConfig load_run(const std::string& model_path, const std::string& data_path, const std::string& train_path,
                   const std::vector<std::string>& overrides = {});
// A run file (see above); `overrides` apply after the file's `set`.
RunConfig load_run_file(const std::string& path, const std::vector<std::string>& overrides = {});
// Rebuilds a run from its resolved JSON (e.g. a checkpoint's metadata). `what` names
// the source in errors.
RunConfig run_from_json(const nlohmann::json& resolved, const std::string& what);

}  // namespace atrous
