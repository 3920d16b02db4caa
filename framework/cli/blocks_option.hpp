#pragma once
// `--blocks DIR` (repeatable) on the commands that load model files: more
// directories to find `block: NAME` in, searched in the order given after the
// `blocks` folder beside the model and before the default search path
// (model/block_search_path.hpp).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "model/load.hpp"

namespace atrous::cli {

void add_blocks_option(CLI::App& sub, std::vector<std::string>& dirs);

// `options` with `dirs` in front of its block search path.
void prepend_block_dirs(ModelOptions& options, const std::vector<std::string>& dirs);

}  // namespace atrous::cli
