#pragma once
// A trained network back from a checkpoint alone: the run it came from (its
// metadata "run"), the graph rebuilt, fused and loaded. What `atrous predict` and
// `atrous eval` start from.
#include <cstdint>
#include <string>
#include <vector>

#include "image/image.hpp"
#include "nn/graph.hpp"
#include "train/evaluate.hpp"
#include "train/run_config.hpp"

namespace atrous {

struct TrainedModel {
  RunConfig run;
  Graph graph;
  int64_t step = 0;
};

TrainedModel load_trained_model(const std::string& checkpoint_path);

// The logits (plain 1×K×H×W, averaged over `passes` as evaluation does) for an 8-bit
// image: channels adapted to the model's (grey repeated, RGB averaged), normalised
// as the run's validation data.
Tensor predict_logits(TrainedModel& model, const Image& image, const EvalPasses& passes);
// Labels (H×W): the argmax of predict_logits.
std::vector<uint8_t> predict_image(TrainedModel& model, const Image& image, const EvalPasses& passes);

}  // namespace atrous
