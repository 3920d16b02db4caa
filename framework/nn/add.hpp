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
  // Backward reads neither its inputs' values nor its output's (memory plan).
  bool backward_reads_input(size_t) const override { return false; }
  bool backward_reads_output() const override { return false; }
  // oneDNN's sum may write over its first source.
  bool runs_in_place(bool) const override { return true; }
  double flops(const std::vector<Dims>& inputs) const override;
};

}  // namespace atrous
