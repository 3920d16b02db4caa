#pragma once
// Transposed 2-D convolution ("deconv"), PyTorch's ConvTranspose2d: kernel,
// stride, padding, output_padding, dilation, groups, optional bias and an optional
// fused ReLU / leaky ReLU. The weight is stored in PyTorch's layout
// [in, out/groups, kh, kw] so that checkpoints carry over unchanged.
#include <memory>

#include "nn/attrs.hpp"
#include "nn/conv_like_layer.hpp"

namespace atrous {

struct DeconvGeometry {
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0, oph = 0, opw = 0, dh = 1, dw = 1;
  // Output size along one axis: (in - 1)s - 2p + d(k - 1) + output_padding + 1; a
  // usage error when the arithmetic overflows int64.
  static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t op, int64_t d);
  static DeconvGeometry read(const Attrs& a);
};

class Deconv2d : public ConvLikeLayer {
 public:
  explicit Deconv2d(const Attrs& a);
  std::string type() const override { return "deconv"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  void init(Rng& rng) override;
  double flops(const std::vector<Dims>& inputs) const override;
  ConvFamily family() const override { return ConvFamily::deconvolution; }
  ConvWindow window() const override;


 private:
  DeconvGeometry g_;
};

}  // namespace atrous
