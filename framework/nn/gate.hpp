#pragma once
// WaveNet's gated activation unit, fused: an input of 2C channels gives C channels,
// y = tanh(a) * sigmoid(b) with a the first C channels and b the last C (van den
// Oord et al. 2016, eq. 2: z = tanh(W_f * x) ⊙ σ(W_g * x), both convolutions
// computed as one conv of 2C outputs before it). Elementwise per position, so it
// keeps the height and width; no parameters.
#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

class Gate : public Layer {
 public:
  explicit Gate(const Attrs&) {}
  std::string type() const override { return "gate"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // Backward recomputes tanh and sigmoid from the input, not the output.
  bool backward_reads_output() const override { return false; }
  double flops(const std::vector<Dims>& inputs) const override;
};

}  // namespace atrous
