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

// The sample rate `atrous model show` assumes for a sequence model unless told
// (--sample-rate): 8 kHz, the rate of the speech prompts of issue #14.
inline constexpr double kDefaultSampleRate = 8000.0;

struct ModelSummary {
  std::string name, output;
  Shape input;
  bool dense = false;
  // A sequence model (input height 1, declared as {channels, length}): its
  // receptive fields are printed in samples, and the output's also in milliseconds.
  bool sequence = false;
  double sample_rate = kDefaultSampleRate;  // Hz, for the milliseconds
  std::vector<LayerSummary> layers;
  int64_t params = 0;
  double flops = 0;
  ReceptiveField rf;  // of the output
};

// `graph` is build_graph(model), not fused (fusion would hide the ReLU rows).
ModelSummary summarize(const ResolvedModel& model, const Graph& graph, double sample_rate = kDefaultSampleRate);

// A sequence model's receptive field in samples (its extent along the width) and
// in milliseconds at `sample_rate`.
int64_t receptive_field_samples(const ReceptiveField& rf);
double receptive_field_ms(const ReceptiveField& rf, double sample_rate);

std::string summary_table(const ModelSummary& s);
nlohmann::json summary_json(const ModelSummary& s);

// 1234567 -> "1.23M"; below 1000 the integer itself.
std::string human_count(double n);

}  // namespace atrous
