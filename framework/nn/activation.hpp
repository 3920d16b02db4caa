#pragma once
// ReLU and leaky ReLU: y = x for x > 0, slope * x otherwise (slope 0 for "relu").
// A oneDNN eltwise on the input's own layout. The graph's fusion pass may merge
// them into the producing layer (see Layer::is_relu).
#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

class Relu : public Layer {
 public:
  // `leaky` selects "leaky_relu", which reads negative_slope (default 0.01).
  Relu(const Attrs& a, bool leaky);
  std::string type() const override { return leaky_ ? "leaky_relu" : "relu"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override { return inputs[0]; }
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // Backward differentiates through the input, not the output; in evaluation
  // the output may overwrite the input (oneDNN eltwise runs in place).
  bool backward_reads_output() const override { return false; }
  bool runs_in_place(bool training) const override { return !training; }
  double flops(const std::vector<Dims>& inputs) const override;
  bool is_relu(float* negative_slope) const override;

  float negative_slope() const { return slope_; }

 private:
  bool leaky_;
  float slope_ = 0.f;
};

}  // namespace atrous
