#pragma once
// Naive generation, the reference for StepNetwork: every new sample re-runs the
// normal Graph forward (oneDNN) over the last receptive-field window of inputs —
// or the whole history while it is shorter — and keeps the last output column.
// O(receptive field × layers) per sample.
#include <deque>
#include <vector>

#include "gen/next_sample_model.hpp"
#include "nn/graph.hpp"

namespace atrous {

class WindowNetwork : public NextSampleModel {
 public:
  // `receptive_field`: the window, in samples (StepNetwork::receptive_field() or
  // the model summary's); the graph is used in inference mode.
  WindowNetwork(Graph& graph, int64_t receptive_field);

  void push(std::span<const float> input) override;
  const std::vector<float>& step(std::span<const float> input) override;
  int64_t receptive_field() const override { return receptive_field_; }
  int64_t input_channels() const override { return input_channels_; }
  int64_t output_channels() const override { return output_channels_; }

 private:
  Graph& graph_;
  int64_t receptive_field_, input_channels_, output_channels_;
  std::deque<std::vector<float>> window_;  // the newest receptive_field_ input frames
  std::vector<float> logits_;
};

}  // namespace atrous
