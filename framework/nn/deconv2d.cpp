#include "nn/deconv2d.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/checked_int.hpp"
#include "core/error.hpp"
#include "nn/attr_error.hpp"
#include "nn/init.hpp"
#include "nn/registry.hpp"

namespace atrous {

int64_t DeconvGeometry::out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t op, int64_t d) {
  const CheckedInt r =
      (CheckedInt(in) - 1) * s - CheckedInt(2) * p + CheckedInt(d) * (CheckedInt(k) - 1) + op + 1;
  return checked_output_size(r, in, k, s, p, d);
}

DeconvGeometry DeconvGeometry::read(const Attrs& a) {
  DeconvGeometry g;
  std::tie(g.kh, g.kw) = a.get_pair("kernel");
  std::tie(g.sh, g.sw) = a.get_pair("stride", {1, 1});
  std::tie(g.ph, g.pw) = a.get_pair("padding", {0, 0});
  std::tie(g.oph, g.opw) = a.get_pair("output_padding", {0, 0});
  std::tie(g.dh, g.dw) = a.get_pair("dilation", {1, 1});
  a.require(g.kh > 0 && g.kw > 0, "kernel", "must be positive");
  a.require(g.sh > 0 && g.sw > 0, "stride", "must be positive");
  a.require(g.dh > 0 && g.dw > 0, "dilation", "must be positive");
  a.require(g.ph >= 0 && g.pw >= 0, "padding", "must be non-negative");
  // PyTorch's rule: the extra rows must fall inside one stride (or dilation) step.
  a.require(g.oph >= 0 && g.opw >= 0 && g.oph < std::max(g.sh, g.dh) && g.opw < std::max(g.sw, g.dw),
            "output_padding", "must be non-negative and smaller than stride or dilation");
  // oneDNN sees output_padding as a right padding of p - op, which it accepts down
  // to 1 - stride (it needs each extra row to lie within one stride step).
  if (!(g.oph - g.sh < g.ph && g.opw - g.sw < g.pw))  // p - op + s > 0, without overflow
    a.reject("output_padding", fmt::format("'output_padding' ({}x{}) must be smaller than padding + stride ({}x{})",
                                           g.oph, g.opw, g.ph + g.sh, g.pw + g.sw));
  return g;
}

Deconv2d::Deconv2d(const Attrs& a) {
  read_attrs(a, [&] { g_ = DeconvGeometry::read(a); });
}

Shape Deconv2d::bind(const std::vector<Shape>& inputs) {
  bind_channels(inputs);
  create_params(Dims{in_, out_ / groups_, g_.kh, g_.kw});
  const int64_t ho = DeconvGeometry::out_size(inputs[0].h, g_.kh, g_.sh, g_.ph, g_.oph, g_.dh);
  const int64_t wo = DeconvGeometry::out_size(inputs[0].w, g_.kw, g_.sw, g_.pw, g_.opw, g_.dw);
  check_attr(ho > 0 && wo > 0, "padding", "input {} is too small for padding {}x{}", inputs[0].str(), g_.ph, g_.pw);
  return {out_, ho, wo};
}

Dims Deconv2d::output_dims(const std::vector<Dims>& in) const {
  const Dims& x = in[0];
  const int64_t ho = DeconvGeometry::out_size(x[2], g_.kh, g_.sh, g_.ph, g_.oph, g_.dh);
  const int64_t wo = DeconvGeometry::out_size(x[3], g_.kw, g_.sw, g_.pw, g_.opw, g_.dw);
  check_attr(ho > 0 && wo > 0, "padding", "input {} is too small for padding {}x{}", dims_str(x), g_.ph, g_.pw);
  return {x[0], out_, ho, wo};
}

void Deconv2d::init(Rng& rng) {
  if (init_ == "bilinear") {
    // init::bilinear maps channel c to output c within one [I, O, kh, kw] block;
    // with groups the weight is G such blocks, [I/G, O/G, kh, kw] each (the
    // depthwise upsampler of FCN has G = I = O and 1x1 blocks).
    Param block("block", {in_ / groups_, out_ / groups_, g_.kh, g_.kw}, Param::Role::weight);
    init::bilinear(block);
    weight_->allocate();
    for (int64_t g = 0; g < groups_; ++g)
      std::copy(block.value.begin(), block.value.end(),
                weight_->value.begin() + static_cast<std::ptrdiff_t>(g * block.size()));
  } else {
    // Each output pixel sums (I/G) kh kw / (sh sw) terms on average (forward
    // fan-in); each input pixel feeds (O/G) kh kw outputs (backward fan-out).
    // (The weight's element count fits int64, so only the strides' product can overflow;
    // then it exceeds the numerator and the quotient is 0.)
    const CheckedInt strides = CheckedInt(g_.sh) * g_.sw;
    const int64_t taps = (in_ / groups_) * g_.kh * g_.kw;
    const int64_t fan_in = std::max<int64_t>(1, strides.ok() ? taps / strides.value() : 0);
    const int64_t fan_out = (out_ / groups_) * g_.kh * g_.kw;
    init::apply(init_, *weight_, fan_in, fan_out, rng);
  }
  if (bias_) init::constant(*bias_, 0.f);
}

double Deconv2d::flops(const std::vector<Dims>& in) const {
  const Dims& x = in[0];
  // In double: a product of int64 sizes could wrap.
  return 2.0 * static_cast<double>(x[2]) * static_cast<double>(x[3]) * static_cast<double>(in_) *
         static_cast<double>(out_ / groups_) * static_cast<double>(g_.kh) * static_cast<double>(g_.kw);
}

ConvWindow Deconv2d::window() const {
  // output_padding extends the bottom/right edge: a right padding of p - op.
  return {g_.kh, g_.kw, {g_.sh, g_.sw}, {g_.dh - 1, g_.dw - 1}, {g_.ph, g_.pw}, {g_.ph - g_.oph, g_.pw - g_.opw}};
}

ATROUS_REGISTER_LAYER("deconv", [](const Attrs& a) { return std::make_unique<Deconv2d>(a); });

}  // namespace atrous
