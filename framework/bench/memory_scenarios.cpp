#include "bench/memory_scenarios.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <new>

#include "bench/benchmark.hpp"
#include "bench/planned_memory.hpp"
#include "bench/timing.hpp"
#include "core/error.hpp"
#include "data/data_config.hpp"
#include "nn/memory_plan.hpp"  // available_memory
#include "train/train_step.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous::bench {

namespace {

std::string project_file(const std::string& relative) {
  if (std::filesystem::exists(relative)) return relative;
  return (std::filesystem::path(ATROUS_SOURCE_DIR) / relative).string();
}

double gib(double bytes) { return bytes / static_cast<double>(1ull << 30); }

std::string sizes_text(int64_t batch, const std::vector<std::pair<int64_t, int64_t>>& sizes) {
  std::string s;
  for (const auto& [h, w] : sizes) s += fmt::format("{}{}x{}", s.empty() ? "" : ", ", h, w);
  return fmt::format("batch {} at {}", batch, s);
}

std::pair<int64_t, int64_t> largest(const std::vector<std::pair<int64_t, int64_t>>& sizes) {
  return *std::max_element(sizes.begin(), sizes.end(), [](const auto& a, const auto& b) {
    return a.first * a.second < b.first * b.second;
  });
}

// Fuses and initialises a fresh graph, then runs `steps` rounds of one training step
// per size; the peak RSS from just before the first step. Out of memory is an Error
// saying what was being trained.
MemoryScenarioResult train_at_sizes(const std::function<Graph()>& make_graph, const std::string& scenario,
                                    const std::string& model, const std::vector<std::pair<int64_t, int64_t>>& sizes,
                                    const MemoryScenarioOptions& o) {
  check(!sizes.empty() && o.batch > 0 && o.steps > 0, "bench --memory: no sizes, batch or steps");
  MemoryScenarioResult r;
  r.scenario = scenario;
  r.model = model;
  r.batch = o.batch;
  r.sizes = sizes;
  r.steps = o.steps;
  Graph graph = make_graph();
  if (o.fuse) graph.fuse();
  const auto [max_h, max_w] = largest(sizes);
  const std::optional<double> available = available_memory();
  try {
    graph.init(o.seed);
    TrainStep step(graph, LossConfig{}, make_optimizer(bench_optimizer_config()));
    r.planned_bytes = planned_training_bytes(graph, o.batch, max_h, max_w,
                                             static_cast<int64_t>(step.optimizer().buffer_names().size()));
    if (r.planned_bytes && available && *r.planned_bytes > *available)
      throw Error(fmt::format("bench --memory {}: training {} with {} needs about {:.2f} GiB by its plan but only "
                              "{:.2f} GiB is available (MemAvailable); use a smaller --batch, --height or --width",
                              scenario, model, sizes_text(o.batch, sizes), gib(*r.planned_bytes), gib(*available)),
                  Error::Kind::usage);
    const int64_t in_c = graph.shape(graph.input_names()[0]).c;
    const int64_t classes = graph.shape(graph.output_name()).c;
    std::vector<Tensor> images;
    std::vector<std::vector<uint8_t>> labels;
    for (const auto& [h, w] : sizes) {
      images.push_back(random_images(o.batch, in_c, h, w, o.seed));
      labels.push_back(random_labels(o.batch, h, w, classes, o.seed + 1));
    }
    PeakRssMeter meter;
    meter.start();
    int64_t n = 0;
    for (int s = 0; s < o.steps; ++s)
      for (size_t k = 0; k < sizes.size(); ++k) step.run(images[k], labels[k], 0.01, n++);
    r.rss = meter.finish();
  } catch (const std::bad_alloc&) {
    throw Error(fmt::format("bench --memory {}: out of memory training {} with {} (planned about {:.2f} GiB, {:.2f} GiB "
                            "available when it started); use a smaller --batch, --height or --width",
                            scenario, model, sizes_text(o.batch, sizes), gib(r.planned_bytes.value_or(0)),
                            gib(available.value_or(0))));
  } catch (const OutOfMemory& e) {
    throw Error(fmt::format("bench --memory {}: {} while training {} with {} (planned about {:.2f} GiB, {:.2f} GiB "
                            "available when it started); use a smaller --batch, --height or --width",
                            scenario, e.what(), model, sizes_text(o.batch, sizes), gib(r.planned_bytes.value_or(0)),
                            gib(available.value_or(0))));
  } catch (const dnnl::error& e) {
    if (e.status != dnnl_out_of_memory) throw;
    throw Error(fmt::format("bench --memory {}: out of memory (oneDNN) training {} with {} (planned about {:.2f} GiB, "
                            "{:.2f} GiB available when it started); use a smaller --batch, --height or --width",
                            scenario, model, sizes_text(o.batch, sizes), gib(r.planned_bytes.value_or(0)),
                            gib(available.value_or(0))));
  }
  return r;
}

}  // namespace

std::string default_memory_model() { return project_file("configs/models/dilated.yaml"); }
std::string default_multiscale_data() { return project_file("configs/data/shapes_multiscale.yaml"); }

nlohmann::json MemoryScenarioResult::to_json() const {
  nlohmann::json s = nlohmann::json::array();
  for (const auto& [h, w] : sizes) s.push_back({h, w});
  return {{"scenario", scenario},
          {"model", model},
          {"batch", batch},
          {"sizes", s},
          {"steps_per_size", steps},
          {"peak_rss_bytes", rss.peak > 0 ? nlohmann::json(rss.peak) : nlohmann::json()},
          {"rss_base_bytes", rss.base > 0 ? nlohmann::json(rss.base) : nlohmann::json()},
          {"rss_peak_reset", rss.reset},
          {"planned_bytes", planned_bytes ? nlohmann::json(*planned_bytes) : nlohmann::json()},
          {"planned_source", kPlannedMemorySource}};
}

std::vector<std::pair<int64_t, int64_t>> multiscale_sizes(const std::string& data_config,
                                                          std::optional<std::pair<int64_t, int64_t>> base) {
  const DataConfig data = load_data_config_file(data_config);
  if (!base) {
    const Sample first = data.dataset->get(Split::train, 0);
    base = {first.height, first.width};
  }
  std::vector<double> scales = data.train.augment.scales;
  if (scales.empty()) scales = {1.0};
  std::sort(scales.begin(), scales.end());
  std::vector<std::pair<int64_t, int64_t>> sizes;
  for (double s : scales)  // as the trainer's training_input_size and scale_sample round
    sizes.emplace_back(std::max<int64_t>(1, std::llround(static_cast<double>(base->first) * s)),
                       std::max<int64_t>(1, std::llround(static_cast<double>(base->second) * s)));
  return sizes;
}

std::vector<MemoryScenarioResult> measure_multiscale_memory(const std::function<Graph()>& make_graph,
                                                            const std::string& model,
                                                            const std::vector<std::pair<int64_t, int64_t>>& sizes,
                                                            const MemoryScenarioOptions& o) {
  std::vector<MemoryScenarioResult> results;
  results.push_back(train_at_sizes(make_graph, "multiscale", model, sizes, o));
  results.push_back(train_at_sizes(make_graph, "single scale", model, {largest(sizes)}, o));
  return results;
}

MemoryScenarioResult measure_training_memory(const std::function<Graph()>& make_graph, const std::string& model,
                                             int64_t height, int64_t width, const MemoryScenarioOptions& o) {
  return train_at_sizes(make_graph, "large", model, {{height, width}}, o);
}

}  // namespace atrous::bench
