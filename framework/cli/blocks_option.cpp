#include "cli/blocks_option.hpp"

namespace atrous::cli {

void add_blocks_option(CLI::App& sub, std::vector<std::string>& dirs) {
  sub.add_option("--blocks", dirs,
                 "Also look for `block: NAME` as NAME.yaml in this directory (repeatable; searched after the model's "
                 "../blocks, before the project's configs/blocks and the installed blocks)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingDirectory);
}

void prepend_block_dirs(ModelOptions& options, const std::vector<std::string>& dirs) {
  options.block_dirs.insert(options.block_dirs.begin(), dirs.begin(), dirs.end());
}

}  // namespace atrous::cli
