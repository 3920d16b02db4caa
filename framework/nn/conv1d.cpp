#include "nn/conv1d.hpp"

#include <fmt/format.h>

#include "core/checked_int.hpp"
#include "nn/attr_error.hpp"
#include "nn/init.hpp"
#include "nn/registry.hpp"

namespace atrous {

int64_t conv1d_left_padding(int64_t kernel, int64_t dilation, bool causal) {
  const int64_t span = (kernel - 1) * dilation;
  return causal ? span : span / 2;
}

Conv1d::Conv1d(const Attrs& a) {
  read_attrs(a, [&] {
    k_ = a.get_int("kernel");
    d_ = a.get_int("dilation", kConv1dDefaultDilation);
    causal_ = a.get_bool("causal", kConv1dDefaultCausal);
    a.require(k_ > 0, "kernel", "must be positive");
    a.require(d_ > 0, "dilation", "must be positive");
    // The padding is (k-1)*d samples; it must fit the sizes oneDNN takes.
    if (!(CheckedInt(k_ - 1) * d_).ok())
      a.reject("dilation", fmt::format("'dilation' {} times 'kernel' {} overflows 64-bit integers", d_, k_));
  });
}

Shape Conv1d::bind(const std::vector<Shape>& inputs) {
  bind_channels(inputs);
  check_attr(inputs[0].h == 1, kInputsKey,
             "conv1d reads a sequence (height 1, width = time), got input {} of height {}; declare the model's "
             "input as {{channels: C, length: T}}",
             inputs[0].str(), inputs[0].h);
  check_padded_length(inputs[0].w);
  create_params(Dims{out_, in_ / groups_, 1, k_});
  return {out_, 1, inputs[0].w};
}

void Conv1d::check_padded_length(int64_t length) const {
  check_attr((CheckedInt(length) + (k_ - 1) * d_).ok(), "dilation",
             "the input's {} samples padded by (kernel - 1) * dilation = {} overflow 64-bit integers", length,
             (k_ - 1) * d_);
}

// Same length out as in: the padding adds exactly the window's span.
Dims Conv1d::output_dims(const std::vector<Dims>& in) const {
  check_padded_length(in[0][3]);
  return {in[0][0], out_, in[0][2], in[0][3]};
}

void Conv1d::init(Rng& rng) {
  init::apply(init_, *weight_, (in_ / groups_) * k_, (out_ / groups_) * k_, rng);
  if (bias_) init::constant(*bias_, 0.f);
}

double Conv1d::flops(const std::vector<Dims>& in) const {
  // In double: a product of int64 sizes could wrap.
  return 2.0 * static_cast<double>(in[0][2]) * static_cast<double>(in[0][3]) * static_cast<double>(out_) *
         static_cast<double>(in_ / groups_) * static_cast<double>(k_);
}

ConvWindow Conv1d::window() const {
  const int64_t left = conv1d_left_padding(k_, d_, causal_);
  const int64_t right = (k_ - 1) * d_ - left;
  return {1, k_, {1, 1}, {0, d_ - 1}, {0, left}, {0, right}};
}

ATROUS_REGISTER_LAYER("conv1d", [](const Attrs& a) { return std::make_unique<Conv1d>(a); });

}  // namespace atrous
