#pragma once
// 1-D convolution over time for sequences (audio): the input is N x C x 1 x T
// (height 1, width = time), the window is 1 x k with dilation [1, d]. Causal by
// default: the whole padding (k-1)*d goes on the left, so the output has the
// input's length and output t reads inputs t-(k-1)*d .. t only (WaveNet).
// `causal: false` centres the window instead (left floor((k-1)d/2), the rest on
// the right). It runs on the conv-like kernel (nn/conv_like_kernel.hpp), like conv.
#include <cstdint>

#include "nn/attrs.hpp"
#include "nn/conv_like_layer.hpp"

namespace atrous {

// The defaults of the attributes the receptive-field table also reads (model/geometry.cpp).
inline constexpr bool kConv1dDefaultCausal = true;
inline constexpr int64_t kConv1dDefaultDilation = 1;

// Padding before the first sample; the padding after is (k-1)*d minus this.
// (k-1)*d must fit int64: the layer checks it before calling this.
int64_t conv1d_left_padding(int64_t kernel, int64_t dilation, bool causal);

class Conv1d : public ConvLikeLayer {
 public:
  explicit Conv1d(const Attrs& a);
  std::string type() const override { return "conv1d"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  void init(Rng& rng) override;
  double flops(const std::vector<Dims>& inputs) const override;
  ConvFamily family() const override { return ConvFamily::convolution; }
  ConvWindow window() const override;

  int64_t kernel() const { return k_; }
  int64_t dilation() const { return d_; }
  bool causal() const { return causal_; }

 private:
  // An AttrError at 'dilation' when length + (k-1)d overflows int64 (oneDNN pads the input by that).
  void check_padded_length(int64_t length) const;
  int64_t k_ = 0, d_ = 1;
  bool causal_ = kConv1dDefaultCausal;
};

}  // namespace atrous
