#pragma once
// Evaluation of a graph over a dataset split, single- or multi-scale, with
// optional flip: per scale s the input is resized (bilinear) to round(s·H) ×
// round(s·W), run in inference mode, and the logits are resized back to the
// label size; flip adds the mirrored input with its logits mirrored back. The
// logits of all passes are averaged before the argmax.
#include <cstdint>
#include <vector>

#include "core/tensor.hpp"
#include "data/data_config.hpp"
#include "eval/evaluator.hpp"
#include "nn/graph.hpp"

namespace atrous {

struct EvalPasses {
  std::vector<double> scales{1.0};
  bool flip = false;
  bool single() const { return !flip && scales.size() == 1 && scales[0] == 1.0; }
};

// Averaged logits, plain N×K×H×W with H×W of `images` (plain N×C×H×W).
Tensor infer_logits(Graph& graph, const Tensor& images, const EvalPasses& passes);

struct EvalSettings {
  EvalPasses passes;
  int64_t batch_size = 8;
  int64_t boundary_band = 2;
  bool boundary = true;
};

// Metrics of the graph over the whole split (validation transforms: normalisation only).
Metrics evaluate_split(Graph& graph, const DataConfig& data, Split split, const EvalSettings& settings);

}  // namespace atrous
