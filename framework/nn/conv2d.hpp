#pragma once
// 2-D convolution: kernel, stride, padding, dilation, groups, optional bias, and
// an optional fused ReLU / leaky ReLU (a oneDNN post-op; set by the graph's fusion pass).
#include <memory>

#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

struct ConvGeometry {
  int64_t kh = 3, kw = 3, sh = 1, sw = 1, ph = 1, pw = 1, dh = 1, dw = 1;
  // Output size along one axis: (in + 2p - d(k-1) - 1) / s + 1; a usage error
  // when the arithmetic overflows int64.
  static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d);
  // Reads kernel/stride/padding/dilation; padding defaults to "same" (d(k-1)/2).
  static ConvGeometry read(const Attrs& a, int64_t default_kernel);
};

class Conv2d : public Layer {
 public:
  explicit Conv2d(const Attrs& a);
  std::string type() const override { return "conv"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  std::vector<Param*> params() override;
  void init(Rng& rng) override;
  double flops(const std::vector<Dims>& inputs) const override;
  bool fuse_relu(float negative_slope) override;

  const ConvGeometry& geometry() const { return g_; }
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t groups() const { return groups_; }
  bool has_bias() const { return bias_ != nullptr; }
  bool relu_fused() const { return relu_; }
  float relu_slope() const { return relu_slope_; }
  Param& weight() { return *weight_; }
  Param* bias() { return bias_.get(); }
  // Weight descriptor in the primitive's view: oihw, or goihw when grouped.
  md_t weight_desc(tag t) const;

 private:
  ConvGeometry g_;
  int64_t out_ = 0, in_ = 0, groups_ = 1;
  bool with_bias_ = true;
  std::string init_;
  bool relu_ = false;
  float relu_slope_ = 0.f;
  std::unique_ptr<Param> weight_, bias_;
};

}  // namespace atrous
