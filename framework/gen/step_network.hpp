#pragma once
// Fast WaveNet generation (Paine et al. 2016, "Fast Wavenet Generation
// Algorithm"): the trained graph interpreted one time step at a time. Every causal
// convolution with a window of k taps at dilation d keeps a queue (ring buffer) of
// its last (k−1)·d input vectors, so producing a sample costs one time step
// through every layer — O(layers) — instead of recomputing the whole receptive
// field. Plain C++ loops over the parameters of the graph (fused ReLUs and all);
// at T = 1 the vectors are a few dozen channels, where oneDNN primitives would
// cost more in call overhead than the arithmetic.
//
// Steppable layers: conv-like convolutions of height 1 and stride 1 whose
// padding is all on the left ((k−1)·d: causal conv1d, and every 1×1 conv),
// gate, relu/leaky_relu, add, concat, batchnorm (running statistics), identity
// and dropout (inference: the identity). Anything else — a centred conv1d,
// pooling, resize, a transposed conv — is refused with an error naming the layer.
#include <string>
#include <vector>

#include "gen/next_sample_model.hpp"
#include "nn/graph.hpp"

namespace atrous {

class StepNetwork : public NextSampleModel {
 public:
  // Reads the graph's structure and copies its parameters (the graph must have
  // them allocated or loaded; fused or not). A usage error naming the first layer
  // on the path to the output that cannot be stepped.
  explicit StepNetwork(Graph& graph);
  ~StepNetwork() override;

  void push(std::span<const float> input) override { step(input); }
  const std::vector<float>& step(std::span<const float> input) override;
  int64_t receptive_field() const override { return receptive_field_; }
  int64_t input_channels() const override { return input_channels_; }
  int64_t output_channels() const override { return output_channels_; }
  // Clears every queue: the next step starts a new sequence (zero padding before it).
  void reset();

  struct Op;  // one layer, stepped (step_network.cpp)

 private:
  std::vector<Op> ops_;                    // in topological order, only those the output needs
  std::vector<std::vector<float>> values_;  // per tensor id: its vector at the current step
  int input_ = -1, output_ = -1;
  int64_t input_channels_ = 0, output_channels_ = 0, receptive_field_ = 1;
};

}  // namespace atrous
