#pragma once
// Transposed 2-D convolution ("deconv"), PyTorch's ConvTranspose2d: kernel,
// stride, padding, output_padding, dilation, groups, optional bias and an optional
// fused ReLU / leaky ReLU. The weight is stored in PyTorch's layout
// [in, out/groups, kh, kw] so that checkpoints carry over unchanged.
#include <memory>

#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

struct DeconvGeometry {
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0, oph = 0, opw = 0, dh = 1, dw = 1;
  // Output size along one axis: (in - 1)s - 2p + d(k - 1) + output_padding + 1; a
  // usage error when the arithmetic overflows int64.
  static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t op, int64_t d);
  static DeconvGeometry read(const Attrs& a);
};

class Deconv2d : public Layer {
 public:
  explicit Deconv2d(const Attrs& a);
  std::string type() const override { return "deconv"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  std::vector<Param*> params() override;
  void init(Rng& rng) override;
  double flops(const std::vector<Dims>& inputs) const override;
  bool fuse_relu(float negative_slope) override;

  const DeconvGeometry& geometry() const { return g_; }
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t groups() const { return groups_; }
  bool has_bias() const { return bias_ != nullptr; }
  bool relu_fused() const { return relu_; }
  float relu_slope() const { return relu_slope_; }
  Param& weight() { return *weight_; }
  Param* bias() { return bias_.get(); }
  // Weight descriptor in oneDNN's logical view, {O, I, kh, kw} or {G, O/G, I/G, kh, kw}.
  // With tag::any the primitive chooses; otherwise it describes our plain PyTorch
  // layout [I, O/G, kh, kw], which is oneDNN's iohw / giohw.
  md_t weight_desc(tag t) const;

 private:
  DeconvGeometry g_;
  int64_t out_ = 0, in_ = 0, groups_ = 1;
  bool with_bias_ = true;
  std::string init_;
  bool relu_ = false;
  float relu_slope_ = 0.f;
  std::unique_ptr<Param> weight_, bias_;
};

}  // namespace atrous
