#include "nn/conv_like_layer.hpp"

#include "nn/conv_like_kernel.hpp"

namespace atrous {

std::unique_ptr<Kernel> ConvLikeLayer::make_kernel(const std::vector<md_t>& inputs, bool) {
  return make_conv_like_kernel(*this, inputs[0]);
}

std::vector<Param*> ConvLikeLayer::params() {
  std::vector<Param*> p{weight_.get()};
  if (bias_) p.push_back(bias_.get());
  return p;
}

bool ConvLikeLayer::fuse_relu(float negative_slope) {
  if (relu_) return false;
  relu_ = true;
  relu_slope_ = negative_slope;
  return true;
}

}  // namespace atrous
