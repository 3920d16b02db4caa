// `atrous data export CONFIG --split val|train -o DIR [--limit N] [--set k=v]`: a
// split's images and masks as PNGs in the `folder` dataset layout, so that any
// framework can train or evaluate on the same pixels.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "data/data_config.hpp"
#include "data/folder_export.hpp"

namespace atrous::cli {

void add_data_export_command(CLI::App& data) {
  struct Args {
    std::string config, split = "val", dir;
    std::vector<std::string> overrides;
    int64_t limit = 0;
  };
  static Args a;
  auto* sub = data.add_subcommand(
      "export", "Write a split's images and masks as PNGs in the folder-dataset layout (with a data.yaml reading them)");
  sub->add_option("config", a.config, "Data config (configs/data/*.yaml)")->required()->check(CLI::ExistingFile);
  sub->add_option("--set", a.overrides, "Override a key, e.g. --set val.count=100 (repeatable)");
  sub->add_option("--split", a.split, "train or val (default: val)")->check(CLI::IsMember({"train", "val"}));
  sub->add_option("-o,--output", a.dir, "Directory to write (created if needed)")->required();
  sub->add_option("--limit", a.limit, "Only the first N images (default: all)")->check(CLI::NonNegativeNumber);
  sub->callback([] {
    const DataConfig config = load_data_config_file(a.config, a.overrides);
    const FolderExportResult r = export_folder(config, parse_split(a.split), a.dir, a.limit);
    fmt::print(stderr,
               "wrote {} {} images and masks of {} to {} (8-bit: largest rounding {:.5f}); read them back with {}\n",
               r.images, a.split, config.dataset->type(), a.dir, r.max_rounding, r.config);
  });
}

}  // namespace atrous::cli
