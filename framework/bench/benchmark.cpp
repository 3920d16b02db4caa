#include "bench/benchmark.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bench/planned_memory.hpp"
#include "bench/timing.hpp"
#include "core/context.hpp"
#include "core/error.hpp"
#include "nn/registry.hpp"
#include "train/train_step.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous::bench {

namespace {
// Unknown figures are null in the JSON rather than 0.
nlohmann::json rss_json(int64_t bytes) { return bytes > 0 ? nlohmann::json(bytes) : nlohmann::json(); }
nlohmann::json planned_json(const std::optional<double>& bytes) {
  return bytes ? nlohmann::json(*bytes) : nlohmann::json();
}
}  // namespace

nlohmann::json BenchResult::to_json() const {
  nlohmann::json layers_json = nlohmann::json::array();
  for (const auto& l : layers)
    layers_json.push_back({{"name", l.name}, {"type", l.type}, {"implementation", l.implementation},
                           {"forward_ms", l.forward_ms},
                           {"backward_ms", l.backward_ms}, {"gflops", l.gflops}});
  return {{"model", model},
          {"precision", precision_name(precision)},
          {"params", params},
          {"batch", batch},
          {"height", height},
          {"width", width},
          {"threads", threads},
          {"fused", fused},
          {"gflops_per_image", gflops_per_image},
          {"train_step_ms_median", train_step_ms},
          {"infer_step_ms_median", infer_step_ms},
          {"train_img_per_s", train_img_per_s},
          {"infer_img_per_s", infer_img_per_s},
          {"train_gflops_per_s", train_gflops_per_s},
          {"train_peak_rss_bytes", rss_json(train_rss.peak)},
          {"train_rss_base_bytes", rss_json(train_rss.base)},
          {"infer_peak_rss_bytes", rss_json(infer_rss.peak)},
          {"infer_rss_base_bytes", rss_json(infer_rss.base)},
          {"rss_peak_reset", train_rss.reset && infer_rss.reset},
          {"largest_activation_bytes", largest_activation_bytes},
          {"parameter_bytes", parameter_bytes},
          {"train_planned_bytes", planned_json(train_planned_bytes)},
          {"infer_planned_bytes", planned_json(infer_planned_bytes)},
          {"planned_source", kPlannedMemorySource},
          {"layers", layers_json}};
}

OptimizerConfig bench_optimizer_config() {
  OptimizerConfig oc;
  oc.type = "sgd";
  oc.momentum = 0.9;
  oc.weight_decay = 1e-4;
  return oc;
}

InferenceMemory measure_inference_memory(Graph& fresh, const BenchOptions& o) {
  check(o.batch > 0 && o.height > 0 && o.width > 0, "bench: batch and input size must be positive");
  if (o.fuse) fresh.fuse();
  fresh.init(o.seed);
  Tensor images = random_images(o.batch, fresh.shape(fresh.input_names()[0]).c, o.height, o.width, o.seed);
  PeakRssMeter meter;
  meter.start();
  // The first pass builds the plan; the second shows that nothing grows per pass.
  for (int i = 0; i < 2; ++i) fresh.forward(images, false);
  InferenceMemory m;
  m.rss = meter.finish();
  // From the plan: after an inference pass most values' buffers have been reused.
  m.largest_activation_bytes = static_cast<int64_t>(fresh.planned_memory().largest_value);
  m.parameter_bytes = fresh.parameter_count(true) * static_cast<int64_t>(sizeof(float));
  return m;
}

BenchResult run_benchmark(const std::string& model_name, Graph& graph, const BenchOptions& o) {
  check(o.batch > 0 && o.height > 0 && o.width > 0, "bench: batch and input size must be positive");
  check(o.steps > 0 && o.warmup >= 0, "bench: --steps must be positive and --warmup non-negative");
  BenchResult r;
  r.model = model_name;
  r.batch = o.batch;
  r.height = o.height;
  r.width = o.width;
  r.threads = thread_count();
  r.fused = o.fuse ? graph.fuse() : 0;
  r.precision = o.precision;
  use_precision(graph, o.precision);
  graph.init(o.seed);
  r.params = graph.parameter_count();
  r.gflops_per_image = graph.flops(o.height, o.width) / 1e9;

  const int64_t in_c = graph.shape(graph.input_names()[0]).c;
  const int64_t classes = graph.shape(graph.output_name()).c;
  Tensor images = random_images(o.batch, in_c, o.height, o.width, o.seed);
  const std::vector<uint8_t> labels = random_labels(o.batch, o.height, o.width, classes, o.seed + 1);

  const OptimizerConfig oc = bench_optimizer_config();
  TrainStep step(graph, LossConfig{}, make_optimizer(oc));
  r.train_planned_bytes = planned_training_bytes(graph, o.batch, o.height, o.width,
                                                 static_cast<int64_t>(step.optimizer().buffer_names().size()));
  r.infer_planned_bytes = planned_inference_bytes(graph, o.batch, o.height, o.width);
  // The peak of the timed training steps: parameters, optimizer state and the training plan.
  PeakRssMeter train_meter;
  train_meter.start();
  auto train_ms = time_steps(o.warmup, o.steps, [&](int i) { step.run(images, labels, 0.01, i); });
  r.train_rss = train_meter.finish();
  auto infer_ms = time_steps(o.warmup, o.steps, [&](int) { graph.forward(images, false); });
  r.train_step_ms = median(train_ms);
  r.infer_step_ms = median(infer_ms);
  r.train_img_per_s = 1000.0 * static_cast<double>(o.batch) / r.train_step_ms;
  r.infer_img_per_s = 1000.0 * static_cast<double>(o.batch) / r.infer_step_ms;
  r.train_gflops_per_s = 3.0 * r.gflops_per_image * static_cast<double>(o.batch) / (r.train_step_ms / 1000.0);

  if (o.profile) {
    graph.set_profiling(true);
    graph.reset_timings();
    const int profiled = std::max(2, o.steps / 2);
    for (int i = 0; i < profiled; ++i) step.run(images, labels, 0.01, 1000 + i);
    graph.set_profiling(false);
    auto flops = graph.layer_flops(o.height, o.width);
    auto timings = graph.timings();
    auto impls = graph.implementations();
    for (size_t i = 0; i < timings.size(); ++i) {
      const auto& t = timings[i];
      r.layers.push_back({t.name, t.type, impls[i].second, t.forward_ms / profiled, t.backward_ms / profiled,
                          flops[i].second * static_cast<double>(o.batch) / 1e9});
    }
  }
  return r;
}

ConvPeak measure_conv_peak(int steps, Precision precision) {
  ConvPeak p;
  const int64_t n = 8, c = 256, h = 64, w = 64;
  p.config = fmt::format("conv 3x3 {}->{} at {}x{}, batch {}{}", c, c, h, w, n,
                         precision == Precision::f32 ? "" : ", " + precision_name(precision));
  Graph g;
  g.add_input("input", {c, h, w});
  g.add("conv", create_layer("conv", {{"out", c}, {"kernel", 3}}), {"input"});
  use_precision(g, precision);
  g.init(1);
  Tensor x = random_images(n, c, h, w, 3);
  const double gflop = g.flops(h, w) * static_cast<double>(n) / 1e9;
  // The conv consumes the blocked layout its producer would give it, as inside a network.
  auto fwd_ms = time_steps(2, steps, [&](int) { g.forward(x, true); });
  const Tensor& y = g.forward(x, true);
  Tensor grad(y.desc());
  auto train_ms = time_steps(2, steps, [&](int) {
    g.forward(x, true);
    g.backward(grad);
  });
  p.forward_gflops_per_s = gflop / (median(fwd_ms) / 1000.0);
  p.train_gflops_per_s = 3.0 * gflop / (median(train_ms) / 1000.0);
  return p;
}

std::optional<nlohmann::json> run_torch_reference(const std::string& model, int threads, int warmup, int steps,
                                                  std::string* why_not) {
  namespace fs = std::filesystem;
  fs::path script = fs::path(ATROUS_SOURCE_DIR) / "bench" / "torch_reference.py";
  if (!fs::exists(script)) script = fs::path("bench") / "torch_reference.py";
  if (!fs::exists(script)) {
    *why_not = "bench/torch_reference.py not found";
    return std::nullopt;
  }
  if (!fs::exists("/usr/bin/python3")) {
    *why_not = "/usr/bin/python3 not found (scripts/bootstrap --bench installs python3-torch)";
    return std::nullopt;
  }
  const std::string cmd = fmt::format("/usr/bin/python3 '{}' --model {} --threads {} --warmup {} --steps {} --format json",
                                      script.string(), model, threads, warmup, steps);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    *why_not = "could not start " + cmd;
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  while (size_t k = fread(buf, 1, sizeof buf, pipe)) out.append(buf, k);
  const int rc = pclose(pipe);
  if (rc != 0) {
    *why_not = fmt::format("'{}' failed (status {}); is python3-torch installed? (scripts/bootstrap --bench)", cmd, rc);
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(out);
  } catch (const std::exception& e) {
    *why_not = std::string("torch_reference.py printed no JSON: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace atrous::bench
