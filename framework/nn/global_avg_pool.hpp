#pragma once
// Global average pooling ("global_avgpool"): N x C x H x W -> N x C x 1 x 1, the
// image-level feature of ASPP / ParseNet. A oneDNN average pooling whose kernel
// is the whole input, so each input size gets its own kernel.
#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

class GlobalAvgPool : public Layer {
 public:
  explicit GlobalAvgPool(const Attrs&) {}
  std::string type() const override { return "global_avgpool"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // One addition per input element.
  double flops(const std::vector<Dims>& inputs) const override;
};

}  // namespace atrous
