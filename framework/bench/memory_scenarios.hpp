#pragma once
// `atrous bench --memory`: the process peak RSS of the training configurations
// issue #15 names — multi-scale training (several input sizes through one graph)
// against a single plan at its largest scale, and one large input (the `dilated`
// model at 512x512, batch 8) — each on a fresh graph, with the graph's planned bytes.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/peak_rss.hpp"
#include "nn/graph.hpp"

namespace atrous::bench {

struct MemoryScenarioOptions {
  int64_t batch = 8;
  int steps = 2;  // training steps per input size (the first builds the plans)
  bool fuse = true;
  uint64_t seed = 1;
};

struct MemoryScenarioResult {
  std::string scenario;  // "multiscale", "single scale", "large"
  std::string model;
  int64_t batch = 0;
  std::vector<std::pair<int64_t, int64_t>> sizes;  // (height, width), trained in this order each step
  int steps = 0;
  RssPeak rss;
  std::optional<double> planned_bytes;  // bench/planned_memory.hpp, at the largest size
  nlohmann::json to_json() const;
};

// The defaults of `bench --memory`: configs/models/dilated.yaml and
// configs/data/shapes_multiscale.yaml, from the current directory when they are
// there, else from the source tree atrous was built from.
std::string default_memory_model();
std::string default_multiscale_data();

// The data config's training scales (augment.scales, else 1) applied to `base`
// (its first training image's size unless given), rounded as the trainer rounds.
std::vector<std::pair<int64_t, int64_t>> multiscale_sizes(const std::string& data_config,
                                                          std::optional<std::pair<int64_t, int64_t>> base);

// Trains a fresh graph from `make_graph` at every size in turn (so every size's plan
// is resident, as in multi-scale training), then another fresh graph at the largest
// size alone. Two results: "multiscale", then "single scale".
std::vector<MemoryScenarioResult> measure_multiscale_memory(const std::function<Graph()>& make_graph,
                                                            const std::string& model,
                                                            const std::vector<std::pair<int64_t, int64_t>>& sizes,
                                                            const MemoryScenarioOptions& options);

// Training steps of a fresh graph at one size ("large"). A plan larger than MemAvailable
// is a usage error before anything is allocated; an allocation that fails during the
// steps is an Error naming the model, batch and size, not a crash.
MemoryScenarioResult measure_training_memory(const std::function<Graph()>& make_graph, const std::string& model,
                                             int64_t height, int64_t width, const MemoryScenarioOptions& options);

}  // namespace atrous::bench
