#pragma once
// Identity: copies its input (a named tap point, or a placeholder in a model).
#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

class Identity : public Layer {
 public:
  explicit Identity(const Attrs&) {}
  std::string type() const override { return "identity"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override { return inputs[0]; }
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // Backward reads neither its inputs' values nor its output's (memory plan).
  bool backward_reads_input(size_t) const override { return false; }
  bool backward_reads_output() const override { return false; }
};

}  // namespace atrous
