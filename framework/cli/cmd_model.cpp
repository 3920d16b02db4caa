// `atrous model show|check|resolve MODEL.yaml`: inspect and validate model files.
#include <fmt/format.h>

#include "cli/blocks_option.hpp"
#include "cli/commands.hpp"
#include "cli/shape_option.hpp"
#include "model/build.hpp"
#include "model/load.hpp"
#include "model/summary.hpp"

namespace atrous::cli {

void add_model_resolve_command(CLI::App& model);  // cmd_model_resolve.cpp

namespace {

struct ModelArgs {
  std::string file;
  std::vector<std::string> overrides, blocks;
  std::string input;
  std::string format = "table";
  double sample_rate = kDefaultSampleRate;
};

// The options every model-reading subcommand shares.
void add_model_options(CLI::App& sub, ModelArgs& a, bool with_input) {
  sub.add_option("model", a.file, "Model file (configs/models/*.yaml)")->required();
  sub.add_option("--set", a.overrides, "Override a parameter or key: --set width=32 --set input.height=96")
      ->allow_extra_args(false);
  if (with_input) sub.add_option("--input", a.input, "Input shape CxHxW (replaces the model's input)");
  add_blocks_option(sub, a.blocks);
}

ResolvedModel load(const ModelArgs& a) {
  ModelOptions o;
  o.overrides = a.overrides;
  if (!a.input.empty()) o.input = parse_shape(a.input);
  prepend_block_dirs(o, a.blocks);
  return load_model(a.file, o);
}

}  // namespace

void add_model_command(CLI::App& app) {
  auto* model = app.add_subcommand("model", "Inspect and validate model files");
  model->require_subcommand(1);

  static ModelArgs show_args, check_args;

  auto* show = model->add_subcommand(
      "show", "Per layer: output shape, parameters, FLOPs, receptive field and jump; then totals");
  add_model_options(*show, show_args, true);
  show->add_option("--format", show_args.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  show->add_option("--sample-rate", show_args.sample_rate,
                   "Hz, 1 to 10^7: a sequence model's receptive field is also printed in milliseconds at this "
                   "rate (default 8000)")
      ->check(CLI::Range(1.0, 1e7));
  show->callback([] {
    const ResolvedModel m = load(show_args);
    const Graph g = build_graph(m);
    const ModelSummary s = summarize(m, g, show_args.sample_rate);
    if (show_args.format == "json") fmt::print("{}\n", summary_json(s).dump(2));
    else fmt::print("{}", summary_table(s));
  });

  auto* check = model->add_subcommand("check", "Validate a model file (exit 0, or 2 with the error and its location)");
  add_model_options(*check, check_args, true);
  check->callback([] {
    const ResolvedModel m = load(check_args);
    const Graph g = build_graph(m);
    const Shape out = g.shape(g.output_name());
    fmt::print(stderr, "ok: {} ({} layers, output {})\n", m.name(), m.spec["layers"].size(), out.str());
  });

  add_model_resolve_command(*model);
}

}  // namespace atrous::cli
