#pragma once
// `atrous model show`: per layer its output shape, parameter count, forward
// FLOPs, receptive field and jump, and the totals; as a text table or JSON.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/receptive_field.hpp"
#include "model/resolved.hpp"
#include "nn/graph.hpp"

namespace atrous {

struct LayerSummary {
  std::string name, type;
  std::vector<std::string> from;
  Shape output;
  int64_t params = 0;  // trainable values (running statistics excluded)
  double flops = 0;    // forward, one sample, at the declared input size
  ReceptiveField rf;
};

struct ModelSummary {
  std::string name, output;
  Shape input;
  bool dense = false;
  std::vector<LayerSummary> layers;
  int64_t params = 0;
  double flops = 0;
  ReceptiveField rf;  // of the output
};

// `graph` is build_graph(model), not fused (fusion would hide the ReLU rows).
ModelSummary summarize(const ResolvedModel& model, const Graph& graph);

std::string summary_table(const ModelSummary& s);
nlohmann::json summary_json(const ModelSummary& s);

// 1234567 -> "1.23M"; below 1000 the integer itself.
std::string human_count(double n);

}  // namespace atrous
