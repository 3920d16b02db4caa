#pragma once
// `atrous bench`: times training and inference steps of a model after warm-up,
// per layer too, and relates the achieved GFLOP/s to what a single large 3x3
// oneDNN convolution reaches on this machine.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/peak_rss.hpp"
#include "nn/graph.hpp"
#include "nn/precision.hpp"
#include "train/optimizer.hpp"

namespace atrous::bench {

struct BenchOptions {
  int warmup = 3;
  int steps = 10;
  bool fuse = true;
  bool profile = true;  // extra profiled steps for the per-layer table
  int64_t batch = 0, height = 0, width = 0, classes = 0;
  uint64_t seed = 1;
  Precision precision = Precision::f32;  // the convolutions' compute format (nn/precision.hpp)
};

struct LayerTime {
  std::string name, type, implementation;
  double forward_ms = 0, backward_ms = 0, gflops = 0;  // per step; forward GFLOPs for the whole batch
};

struct BenchResult {
  std::string model;
  Precision precision = Precision::f32;
  int64_t params = 0, batch = 0, height = 0, width = 0;
  int fused = 0, threads = 0;
  double gflops_per_image = 0;  // forward
  double train_step_ms = 0, infer_step_ms = 0;  // medians
  double train_img_per_s = 0, infer_img_per_s = 0;
  double train_gflops_per_s = 0;  // 3x forward FLOPs (forward + backward data + backward weights)
  std::vector<LayerTime> layers;
  // Process peak RSS (core/peak_rss.hpp) while the timed training steps ran, and while
  // a fresh copy of the model ran inference (measure_inference_memory; set by the caller).
  RssPeak train_rss, infer_rss;
  // What issue #15 bounds the inference peak by (2 x the largest activation + weights), from that copy.
  int64_t largest_activation_bytes = 0, parameter_bytes = 0;
  // The graph's own figures (bench/planned_memory.hpp); nullopt where there is none.
  std::optional<double> train_planned_bytes, infer_planned_bytes;
  nlohmann::json to_json() const;
};

BenchResult run_benchmark(const std::string& model_name, Graph& graph, const BenchOptions& options);

// The optimizer every training benchmark steps with: SGD, momentum 0.9, weight decay 1e-4
// (as bench/torch_reference.py).
OptimizerConfig bench_optimizer_config();

// The peak RSS of inference on a graph that has not run yet (fused as the options say,
// initialised, two forward passes at the options' batch and size), so that the figure
// holds no training buffers. Inference runs after training in run_benchmark, whose
// training buffers stay allocated, so this is measured on a second copy of the model.
struct InferenceMemory {
  RssPeak rss;
  int64_t largest_activation_bytes = 0;  // the largest layer output of the pass, as allocated
  int64_t parameter_bytes = 0;           // every parameter and buffer as f32
};
InferenceMemory measure_inference_memory(Graph& fresh, const BenchOptions& options);

struct ConvPeak {
  std::string config;
  double forward_gflops_per_s = 0, train_gflops_per_s = 0;
};
// A single 3x3 conv 256->256 at 64x64, batch 8: forward and forward+backward.
ConvPeak measure_conv_peak(int steps, Precision precision = Precision::f32);

// Runs bench/torch_reference.py with /usr/bin/python3; nullopt (with a reason) when it cannot.
std::optional<nlohmann::json> run_torch_reference(const std::string& model, int threads, int warmup, int steps,
                                                  std::string* why_not);

}  // namespace atrous::bench
