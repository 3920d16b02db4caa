// `atrous model resolve MODEL.yaml [--set k=v] [--input CxHxW] [--full] [--blocks DIR] [-o OUT.json|yaml]`:
// the resolved model as canonical JSON; --full adds every layer attribute's default.
#include <fmt/format.h>

#include <filesystem>

#include "cli/blocks_option.hpp"
#include "cli/commands.hpp"
#include "cli/shape_option.hpp"
#include "core/json_to_yaml.hpp"
#include "model/build.hpp"
#include "model/full_spec.hpp"
#include "model/load.hpp"
#include "train/atomic_file.hpp"

namespace atrous::cli {

void add_model_resolve_command(CLI::App& model) {
  struct Args {
    std::string file, input, output;
    std::vector<std::string> overrides, blocks;
    bool full = false;
  };
  static Args a;
  auto* sub = model.add_subcommand("resolve", "Print the resolved model as canonical JSON (or write JSON/YAML)");
  sub->add_option("model", a.file, "Model file (configs/models/*.yaml)")->required();
  sub->add_option("--set", a.overrides, "Override a parameter or key: --set width=32 --set input.height=96")
      ->allow_extra_args(false);
  sub->add_option("--input", a.input, "Input shape CxHxW (replaces the model's input)");
  add_blocks_option(*sub, a.blocks);
  sub->add_flag("--full", a.full,
                "Spell out every layer attribute, defaults included, so that no default needs to be known");
  sub->add_option("-o,--output", a.output, "Write to this file instead of stdout: .json, or .yaml/.yml");
  sub->callback([] {
    const std::string ext = std::filesystem::path(a.output).extension().string();
    const bool yaml = ext == ".yaml" || ext == ".yml";
    if (!a.output.empty() && !yaml && ext != ".json")
      throw Error(fmt::format("--output '{}': the file name must end in .json, .yaml or .yml (the format)", a.output),
                  Error::Kind::usage);
    ModelOptions o;
    o.overrides = a.overrides;
    if (!a.input.empty()) o.input = parse_shape(a.input);
    prepend_block_dirs(o, a.blocks);
    const ResolvedModel m = load_model(a.file, o);
    nlohmann::json spec;
    if (a.full) {
      spec = full_spec(m);  // validates too
    } else {
      check_model(m);
      spec = m.spec;
    }
    const std::string text = yaml ? json_to_yaml(spec) : spec.dump(2) + "\n";
    if (a.output.empty()) {
      fmt::print("{}", text);
      return;
    }
    AtomicFile f(a.output);
    f.write(text.data(), text.size());
    f.commit();
    fmt::print(stderr, "wrote {} ({}{})\n", a.output, m.name(), a.full ? ", every attribute" : "");
  });
}

}  // namespace atrous::cli
