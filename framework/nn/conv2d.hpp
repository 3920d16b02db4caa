#pragma once
// 2-D convolution: kernel, stride, padding, dilation, groups, optional bias, and
// an optional fused ReLU / leaky ReLU (a oneDNN post-op; set by the graph's fusion pass).
#include <memory>

#include "nn/attrs.hpp"
#include "nn/conv_like_layer.hpp"

namespace atrous {

struct ConvGeometry {
  int64_t kh = 3, kw = 3, sh = 1, sw = 1, ph = 1, pw = 1, dh = 1, dw = 1;
  // Output size along one axis: (in + 2p - d(k-1) - 1) / s + 1; a usage error
  // when the arithmetic overflows int64.
  static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d);
  // Reads kernel/stride/padding/dilation; padding defaults to "same" (d(k-1)/2).
  static ConvGeometry read(const Attrs& a, int64_t default_kernel);
};

class Conv2d : public ConvLikeLayer {
 public:
  explicit Conv2d(const Attrs& a);
  std::string type() const override { return "conv"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  void init(Rng& rng) override;
  double flops(const std::vector<Dims>& inputs) const override;
  ConvFamily family() const override { return ConvFamily::convolution; }
  ConvWindow window() const override;


 private:
  ConvGeometry g_;
};

}  // namespace atrous
