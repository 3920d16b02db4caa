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
  int64_t batch = 1;
};

// The options every model-reading subcommand shares.
void add_model_options(CLI::App& sub, ModelArgs& a, bool with_input) {
  sub.add_option("model", a.file, "Model file (configs/models/*.yaml)")->required();
  sub.add_option("--set", a.overrides, "Override a parameter or key: --set width=32 --set input.height=96")
      ->allow_extra_args(false);
  if (with_input) sub.add_option("--input", a.input, "Input shape CxHxW (replaces the model's input)");
  add_blocks_option(sub, a.blocks);
}

// The memory plan of one training step and one inference pass at the model's
// input size (--input changes it) for `batch` samples: the graph as training runs
// it (ReLUs fused), plain layouts.
struct PlannedMemoryFigures {
  double training = 0, inference = 0, parameters = 0;
};

PlannedMemoryFigures planned_memory(const ResolvedModel& m, int64_t batch) {
  Graph fused = build_graph(m);
  fused.fuse();
  const Shape in = fused.shape(fused.input_names()[0]);
  PlannedMemoryFigures f;
  f.training = fused.planned_bytes(batch, in.h, in.w, true);
  f.inference = fused.planned_bytes(batch, in.h, in.w, false);
  f.parameters = 2.0 * sizeof(float) * static_cast<double>(fused.parameter_count(true));
  return f;
}

std::string mib(double bytes) { return fmt::format("{:.1f} MiB", bytes / (1 << 20)); }

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
  show->add_option("--batch", show_args.batch,
                   "Samples per step for the planned memory, 1 to 4096 (default 1); the size is the model's "
                   "input (--input to change it)")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  show->callback([] {
    const ResolvedModel m = load(show_args);
    const Graph g = build_graph(m);
    const ModelSummary s = summarize(m, g, show_args.sample_rate);
    const PlannedMemoryFigures mem = planned_memory(m, show_args.batch);
    if (show_args.format == "json") {
      nlohmann::json j = summary_json(s);
      j["planned_memory"] = {{"batch", show_args.batch},
                             {"height", s.input.h},
                             {"width", s.input.w},
                             {"training_bytes", mem.training},
                             {"inference_bytes", mem.inference},
                             {"parameter_bytes", mem.parameters}};
      fmt::print("{}\n", j.dump(2));
      return;
    }
    fmt::print("{}", summary_table(s));
    fmt::print("planned memory, batch {} of {}x{} (docs/memory.md): training step {}, inference {}, plus "
               "parameters {} (value and gradient)\n",
               show_args.batch, s.input.h, s.input.w, mib(mem.training), mib(mem.inference), mib(mem.parameters));
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
