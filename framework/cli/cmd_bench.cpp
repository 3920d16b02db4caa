// `atrous bench`: training/inference throughput of the reference models, per-layer
// times, achieved GFLOP/s against a single large conv, and (with --torch) the
// same models in PyTorch measured in the same run.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bench/benchmark.hpp"
#include "bench/reference_models.hpp"
#include "cli/commands.hpp"
#include "cli/int_range.hpp"
#include "core/context.hpp"
#include "data/config_reader.hpp"  // kMaxImageSide
#include "model/build.hpp"
#include "model/load.hpp"

namespace atrous::cli {

namespace {

bool is_model_file(const std::string& name) {
  return name.size() > 5 && (name.ends_with(".yaml") || name.ends_with(".yml"));
}

struct BenchArgs {
  std::vector<std::string> models;
  int threads = 0;
  bench::BenchOptions options;
  std::vector<std::string> overrides;
  bool no_fuse = false, torch = false, layers = false, no_peak = false;
  std::string format = "table";
};

void print_layers(const bench::BenchResult& r) {
  double total = 0;
  for (const auto& l : r.layers) total += l.forward_ms + l.backward_ms;
  fmt::print("\n{} per layer (ms per training step; forward GFLOP for the batch):\n", r.model);
  fmt::print("  {:<22} {:<15} {:>9} {:>9} {:>7} {:>8} {:>9}  {}\n", "layer", "type", "fwd ms", "bwd ms", "share",
             "GFLOP", "GFLOP/s", "implementation");
  for (const auto& l : r.layers) {
    const double ms = l.forward_ms + l.backward_ms;
    const double rate = ms > 0 ? 3.0 * l.gflops / (ms / 1000.0) : 0.0;
    fmt::print("  {:<22} {:<15} {:>9.2f} {:>9.2f} {:>6.1f}% {:>8.3f} {:>9.1f}  {}\n", l.name, l.type, l.forward_ms,
               l.backward_ms, total > 0 ? 100.0 * ms / total : 0.0, l.gflops, l.gflops > 0 ? rate : 0.0,
               l.implementation);
  }
}

void run(BenchArgs& a) {
  if (a.models.empty() || (a.models.size() == 1 && a.models[0] == "all")) {
    a.models.clear();
    for (const auto& m : bench::reference_models()) a.models.push_back(m.name);
  }
  std::optional<bench::ConvPeak> peak;
  if (!a.no_peak) peak = bench::measure_conv_peak(std::max(3, a.options.steps));
  nlohmann::json out = {{"threads", thread_count()},
                        {"isa", dnnl_isa_name()},
                        {"onednn", dnnl_version_string()},
                        {"models", nlohmann::json::array()}};
  if (peak)
    out["conv_peak"] = {{"config", peak->config},
                        {"forward_gflops_per_s", peak->forward_gflops_per_s},
                        {"train_gflops_per_s", peak->train_gflops_per_s}};
  std::vector<bench::BenchResult> results;
  for (const auto& name : a.models) {
    bench::BenchOptions o = a.options;
    o.fuse = !a.no_fuse;
    const bool is_file = is_model_file(name);
    Graph g;
    std::string label = name;
    if (is_file) {
      // A model file: its declared input size, batch 8 unless --batch says otherwise.
      ModelOptions mo;
      mo.overrides = a.overrides;
      const ResolvedModel m = load_model(name, mo);
      label = m.name();
      g = build_graph(m);
      if (o.batch == 0) o.batch = 8;
      if (o.height == 0) o.height = m.spec["input"]["height"].get<int64_t>();
      if (o.width == 0) o.width = m.spec["input"]["width"].get<int64_t>();
    } else {
      const auto& spec = bench::reference_model(name);
      if (o.batch == 0) o.batch = spec.batch;
      if (o.height == 0) o.height = spec.height;
      if (o.width == 0) o.width = spec.width;
      g = bench::build_reference_model(name);
    }
    fmt::print(stderr, "bench: {} ({}x{}x{}x{}) ...\n", label, o.batch, g.shape("input").c, o.height, o.width);
    results.push_back(bench::run_benchmark(label, g, o));
    nlohmann::json j = results.back().to_json();
    if (a.torch && is_file) {
      j["torch_error"] = "the PyTorch reference covers the built-in reference models only";
    } else if (a.torch) {
      std::string why;
      auto t = bench::run_torch_reference(name, thread_count(), o.warmup, o.steps, &why);
      if (t && t->contains("models") && !(*t)["models"].empty()) {
        j["torch"] = (*t)["models"][0];
        j["torch_version"] = (*t).value("torch_version", "");
      } else {
        j["torch_error"] = why.empty() ? "no result" : why;
      }
    }
    out["models"].push_back(j);
  }
  if (a.format == "json") {
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("atrous bench: oneDNN {} ({}), {} threads\n", dnnl_version_string(), dnnl_isa_name(), thread_count());
  if (peak)
    fmt::print("reference: {}: forward {:.1f} GFLOP/s, training {:.1f} GFLOP/s\n", peak->config,
               peak->forward_gflops_per_s, peak->train_gflops_per_s);
  fmt::print("\n{:<20} {:>10} {:>9} {:>12} {:>10} {:>10} {:>10} {:>8}", "model", "params", "GFLOP/img", "input",
             "train im/s", "infer im/s", "train GF/s", "of peak");
  if (a.torch) fmt::print(" {:>11} {:>11} {:>7} {:>7}", "torch train", "torch infer", "train x", "infer x");
  fmt::print("\n");
  for (const auto& j : out["models"]) {
    const double gfs = j["train_gflops_per_s"];
    fmt::print("{:<20} {:>10} {:>9.3f} {:>12} {:>10.2f} {:>10.2f} {:>10.1f} {:>8}",
               j["model"].get<std::string>(), j["params"].get<int64_t>(), j["gflops_per_image"].get<double>(),
               fmt::format("{}x{}x{}", j["batch"].get<int64_t>(), j["height"].get<int64_t>(),
                           j["width"].get<int64_t>()),
               j["train_img_per_s"].get<double>(), j["infer_img_per_s"].get<double>(), gfs,
               peak ? fmt::format("{:.0f}%", 100.0 * gfs / peak->train_gflops_per_s) : std::string("-"));
    if (j.contains("torch")) {
      const double tt = j["torch"]["train_img_per_s"], ti = j["torch"]["infer_img_per_s"];
      fmt::print(" {:>11.2f} {:>11.2f} {:>6.2f}x {:>6.2f}x", tt, ti, j["train_img_per_s"].get<double>() / tt,
                 j["infer_img_per_s"].get<double>() / ti);
    } else if (j.contains("torch_error")) {
      fmt::print("  torch: {}", j["torch_error"].get<std::string>());
    }
    fmt::print("\n");
  }
  if (a.torch)
    fmt::print("(train x / infer x: atrous images/s divided by PyTorch's, same models, threads and batch)\n");
  if (a.layers)
    for (const auto& r : results) print_layers(r);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  static BenchArgs a;
  auto* sub = app.add_subcommand("bench", "Time training and inference of the reference models");
  std::vector<std::string> names{"all"};
  for (const auto& m : bench::reference_models()) names.push_back(m.name);
  sub->add_option("--model", a.models,
                  "Reference model(s) (all, the default, or names) or model files (configs/models/*.yaml)")
      ->check(CLI::IsMember(names) | CLI::ExistingFile);
  sub->add_option("--set", a.overrides, "Model parameter overrides for model files (key=value)");
  add_threads_option(*sub, a.threads);
  // Bounded so that a typo is a usage error rather than an hour-long run or a failed allocation.
  sub->add_option("--warmup", a.options.warmup, "Untimed steps first, 0 to 1000 (default 3)")->check(int_range(0, 1000));
  sub->add_option("--steps", a.options.steps, "Timed steps, 1 to 10000 (default 10); the median is reported")
      ->check(int_range(1, 10000));
  sub->add_option("--batch", a.options.batch, "Override the model's batch size, 1 to 1024")
      ->check(int_range(1, 1024));
  sub->add_option("--height", a.options.height, fmt::format("Override the input height, 1 to {}", kMaxImageSide))
      ->check(int_range(1, kMaxImageSide));
  sub->add_option("--width", a.options.width, fmt::format("Override the input width, 1 to {}", kMaxImageSide))
      ->check(int_range(1, kMaxImageSide));
  sub->add_flag("--no-fuse", a.no_fuse, "Do not fuse ReLUs into convs and batch norms");
  sub->add_flag("--torch", a.torch, "Also run bench/torch_reference.py (PyTorch) on the same models");
  sub->add_flag("--layers", a.layers, "Print the per-layer forward/backward times");
  sub->add_flag("--no-peak", a.no_peak, "Skip the single-conv reference measurement");
  sub->add_option("--format", a.format, "table (default) or json")->check(CLI::IsMember({"table", "json"}));
  sub->callback([] { run(a); });
}

}  // namespace atrous::cli
