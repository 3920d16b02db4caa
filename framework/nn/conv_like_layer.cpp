#include "nn/conv_like_layer.hpp"

#include <fmt/format.h>

#include "nn/attr_error.hpp"
#include "nn/conv_like_kernel.hpp"
#include "nn/init.hpp"

namespace atrous {

std::unique_ptr<Kernel> ConvLikeLayer::make_kernel(const std::vector<md_t>& inputs, bool) {
  kernel_made_ = true;
  return make_conv_like_kernel(*this, inputs[0]);
}

void ConvLikeLayer::set_precision(Precision p) {
  if (p == precision_) return;
  if (kernel_made_)
    throw Error(fmt::format("layer '{}': the precision must be set before the graph first runs", name()),
                Error::Kind::usage);
  precision_ = p;
}

int64_t checked_output_size(const CheckedInt& size, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  if (!size.ok())
    throw Error(fmt::format("the output size overflows 64-bit integers (input {}, 'kernel' {}, 'stride' {}, "
                            "'padding' {}, 'dilation' {})",
                            in, k, s, p, d),
                Error::Kind::usage);
  return size.value();
}

void ConvLikeLayer::read_attrs(const Attrs& a, const std::function<void()>& read_window) {
  out_ = a.get_int("out");
  read_window();
  groups_ = a.get_int("groups", 1);
  with_bias_ = a.get_bool("bias", true);
  init_ = a.get_choice("init", "kaiming_normal", init::names());
  a.require(out_ > 0, "out", "must be positive");
  a.require(groups_ > 0, "groups", "must be positive");
  if (out_ % groups_ != 0)
    a.reject("groups", fmt::format("'out' ({}) must be divisible by 'groups' ({})", out_, groups_));
}

void ConvLikeLayer::bind_channels(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  in_ = inputs[0].c;
  check_attr(in_ % groups_ == 0, "groups", "input channels ({}) must be divisible by 'groups' ({})", in_, groups_);
}

void ConvLikeLayer::create_params(Dims weight_dims) {
  weight_ = std::make_unique<Param>("weight", std::move(weight_dims), Param::Role::weight);
  if (with_bias_) bias_ = std::make_unique<Param>("bias", Dims{out_}, Param::Role::bias);
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
