#pragma once
// The one kernel of convolutions and transposed convolutions: forward,
// backward-data and backward-weights primitives of the layer's oneDNN family, an
// optional fused (leaky) ReLU post-op, and the reorders between the layouts the
// primitives choose and the plain layout the parameters are stored in.
#include <memory>

#include "nn/conv_like_layer.hpp"

namespace atrous {

std::unique_ptr<Kernel> make_conv_like_kernel(ConvLikeLayer& layer, const md_t& input);

}  // namespace atrous
