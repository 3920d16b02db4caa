#pragma once
// Elementwise sum of two or more inputs of the same shape (residual connections).
#include "nn/attrs.hpp"
#include "nn/merge.hpp"

namespace atrous {

class Add : public MergeLayer {
 public:
  explicit Add(const Attrs&) {}
  std::string type() const override { return "add"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  double flops(const std::vector<Dims>& inputs) const override;
};

}  // namespace atrous
