#pragma once
// What autoregressive generation needs from a sequence model: feed it one time
// step of input (one value per input channel) and read the output logits for
// that step. Two implementations: StepNetwork (fast, per-layer queues) and
// WindowNetwork (naive, the whole graph over the last receptive field).
#include <cstdint>
#include <span>
#include <vector>

namespace atrous {

class NextSampleModel {
 public:
  virtual ~NextSampleModel() = default;
  // Appends one time step whose output is not needed (the prime's history):
  // the naive model skips the forward pass for it.
  virtual void push(std::span<const float> input) = 0;
  // Appends one time step and returns the output logits at it (valid until the next call).
  virtual const std::vector<float>& step(std::span<const float> input) = 0;
  // Input samples the newest output depends on: 1 + Σ (k−1)·d along the deepest path.
  virtual int64_t receptive_field() const = 0;
  virtual int64_t input_channels() const = 0;
  virtual int64_t output_channels() const = 0;
};

}  // namespace atrous
