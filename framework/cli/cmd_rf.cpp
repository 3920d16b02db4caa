// `atrous rf MODEL.yaml | --dilations 1,2,4,8`: theoretical and effective
// receptive fields and the gridding score (framework/analysis/).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "analysis/checkpoint_model.hpp"
#include "analysis/rf_report.hpp"
#include "analysis/stack_model.hpp"
#include "cli/blocks_option.hpp"
#include "cli/commands.hpp"
#include "cli/int_range.hpp"
#include "cli/shape_option.hpp"
#include "core/error.hpp"
#include "model/load.hpp"

namespace atrous::cli {

namespace {

// The ERF is an average: beyond a few thousand samples it no longer changes, and
// each sample is a forward and backward pass.
constexpr int64_t kMaxRfSamples = 10'000;

struct RfArgs {
  std::vector<std::string> models;
  std::vector<std::string> overrides, blocks;
  std::string checkpoint, input, out_dir, sampling;
  std::string format = "table";
  int64_t samples = 16;
  uint64_t seed = 0;
  std::vector<std::string> dilations;
  int64_t kernel = 3, layers = 0, channels = 8;
  std::string activation = "relu";
  int threads = 0;
};

void run_rf(const RfArgs& a) {
  if (a.models.empty() && a.dilations.empty() && a.checkpoint.empty())
    throw Error("atrous rf: give a model file, a --checkpoint or --dilations (e.g. --dilations 1,2,4,8)",
                Error::Kind::usage);
  if (a.samples < 1 || a.samples > kMaxRfSamples)
    throw Error(fmt::format("--samples: expected an integer in [1, {}], got {}", kMaxRfSamples, a.samples),
                Error::Kind::usage);
  RfRequest req;
  if (!a.input.empty()) req.input = parse_shape(a.input);
  req.samples = a.samples;
  req.seed = a.seed;
  if (!a.sampling.empty()) req.sampling = parse_sampling(a.sampling);
  req.checkpoint = a.checkpoint;
  req.out_dir = a.out_dir;
  if (!a.checkpoint.empty() && a.models.size() > 1)
    throw Error("--checkpoint: give at most one model file (the checkpoint's architecture)", Error::Kind::usage);

  // Parsed first: a typo fails before any model runs.
  std::vector<StackSpec> stacks;
  for (const auto& text : a.dilations) {
    stacks.push_back({.dilations = parse_dilations(text),
                      .kernel = a.kernel,
                      .layers = a.layers,
                      .channels = a.channels,
                      .relu = a.activation == "relu"});
    check_stack(stacks.back());
  }

  std::vector<RfReport> reports;
  for (const auto& file : a.models) {
    const ModelLoader load = [&](const std::optional<Shape>& input) {
      ModelOptions o;
      o.overrides = a.overrides;
      o.input = input;
      prepend_block_dirs(o, a.blocks);
      return load_model(file, o);
    };
    reports.push_back(analyse_receptive_fields(load, req));
  }
  // Without a model file, the architecture saved in the checkpoint.
  if (a.models.empty() && !a.checkpoint.empty())
    reports.push_back(analyse_receptive_fields(checkpoint_model_loader(a.checkpoint), req));
  RfRequest stack_req = req;
  stack_req.checkpoint.clear();
  stack_req.size_multiple = 1;  // stride-1 stacks accept any size
  for (const StackSpec& spec : stacks)
    reports.push_back(analyse_receptive_fields(
        [&spec](const std::optional<Shape>& input) { return stack_model(spec, input); }, stack_req));

  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : reports) all.push_back(r.to_json());
  const nlohmann::json summary{{"mass", "mean over samples of |d out / d input| summed over input channels"},
                               {"models", all}};
  if (!a.out_dir.empty()) {
    const auto path = std::filesystem::path(a.out_dir) / "summary.json";
    std::ofstream(path) << summary.dump(2) << "\n";
    fmt::print(stderr, "wrote {}\n", path.string());
  }
  if (a.format == "json") fmt::print("{}\n", summary.dump(2));
  else fmt::print("{}", rf_table(reports));
}

}  // namespace

void add_rf_command(CLI::App& app) {
  static RfArgs a;
  auto* rf = app.add_subcommand(
      "rf", "Theoretical and effective receptive fields and the gridding score of a model or a dilated stack");
  rf->add_option("model", a.models, "Model file(s) (configs/models/*.yaml)");
  rf->add_option("--set", a.overrides, "Override a model parameter or key: --set width=32")->allow_extra_args(false);
  add_blocks_option(*rf, a.blocks);
  rf->add_option("--checkpoint", a.checkpoint, "Trained weights: also measure those (the model file may be omitted when the checkpoint holds the resolved run)");
  rf->add_option("--input", a.input, "Input shape CxHxW (default: large enough for the theoretical field)");
  // Validated here too so that an out-of-range number is a parse error, not INT64_MAX.
  rf->add_option("--samples", a.samples, "Random samples averaged per map")
      ->check(int_range(1, kMaxRfSamples))
      ->capture_default_str();
  rf->add_option("--seed", a.seed, "Seed of the random inputs and initialisations")->capture_default_str();
  rf->add_option("--sampling", a.sampling,
                 "Random weights: 'weights' (re-initialise per sample; default) or 'inputs' (one initialisation)")
      ->check(CLI::IsMember({"inputs", "weights"}));
  rf->add_option("--dilations", a.dilations, "An ad-hoc stack of convolutions with these rates, e.g. 1,2,4,8 (repeatable)")
      ->allow_extra_args(false);
  rf->add_option("--kernel", a.kernel, "Ad-hoc stack: kernel size")
      ->check(int_range(1, kMaxStackKernel))
      ->capture_default_str();
  rf->add_option("--layers", a.layers, "Ad-hoc stack: number of layers (the rates are cycled; default: one per rate)")
      ->check(int_range(0, kMaxStackLayers));
  rf->add_option("--channels", a.channels, "Ad-hoc stack: channels of every layer")
      ->check(int_range(1, kMaxStackChannels))
      ->capture_default_str();
  rf->add_option("--activation", a.activation, "Ad-hoc stack: 'relu' after each conv, or 'none' (linear)")
      ->check(CLI::IsMember({"relu", "none"}))
      ->capture_default_str();
  rf->add_option("-o,--output", a.out_dir, "Directory for the heatmap PNGs and summary.json");
  rf->add_option("--format", a.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  add_threads_option(*rf, a.threads);
  rf->callback([] { run_rf(a); });
}

}  // namespace atrous::cli
