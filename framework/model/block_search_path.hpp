#pragma once
// Where `block: NAME` looks for NAME.yaml when the model has no inline block of
// that name. In order:
//   1. the `blocks` folder beside the using file's folder
//      (configs/models/x.yaml -> configs/blocks/; model/block_library.hpp);
//   2. ModelOptions::block_dirs (model/load.hpp), whose default is
//      default_block_dirs(): the project's configs/blocks, then the installed
//      share/atrous/blocks. The CLI's `--blocks DIR` puts DIR in front of them.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace atrous {

// The existing ones of: project_blocks_dir(current directory), then
// installed_blocks_dir(this executable, from /proc/self/exe).
std::vector<std::string> default_block_dirs();

// The `configs/blocks` folder of the nearest of `start` and its ancestors that
// has one, or nullopt.
std::optional<std::string> project_blocks_dir(const std::filesystem::path& start);

// <prefix>/bin/atrous -> <prefix>/share/atrous/blocks (where `cmake --install`
// puts configs/blocks), whether or not it exists.
std::string installed_blocks_dir(const std::filesystem::path& executable);

}  // namespace atrous
