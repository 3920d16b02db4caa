#pragma once
// Public entry points of the model language: read a model file into a
// ResolvedModel (model/resolved.hpp). Building the graph is model/build.hpp.
//
//   ResolvedModel m = load_model("configs/models/context_basic.yaml", {.overrides = {"classes=8"}});
//   Graph g = build_graph(m);   // validates shapes too; every error names file:line:column
#include <optional>
#include <string>
#include <vector>

#include "model/block_search_path.hpp"
#include "model/resolved.hpp"
#include "nn/layer.hpp"

namespace atrous {

struct ModelOptions {
  // Hydra-style "key=value" overrides, applied in order ("width=32", "input.height=96").
  std::vector<std::string> overrides;
  // Replaces the declared input shape (the CLI's --input CxHxW).
  std::optional<Shape> input;
  // Directories searched, in order, for `block: name` (as name.yaml) after the
  // `blocks` folder beside the using file's folder. The default is the
  // project's configs/blocks and the installed share/atrous/blocks
  // (model/block_search_path.hpp); the CLI's --blocks puts directories in front.
  // The default is computed when the options are made (a walk up from the current
  // directory, a few stat calls), so options made before a chdir keep the old project.
  std::vector<std::string> block_dirs = default_block_dirs();
};

ResolvedModel load_model(const std::string& path, const ModelOptions& options = {});
// For tests and tools: `name` stands for the file in locations.
ResolvedModel load_model_string(const std::string& yaml, const std::string& name = "<model>",
                                const ModelOptions& options = {});

}  // namespace atrous
