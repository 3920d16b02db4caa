#include "nn/conv2d.hpp"

#include <fmt/format.h>

#include "core/checked_int.hpp"
#include "core/error.hpp"
#include "nn/init.hpp"
#include "nn/registry.hpp"

namespace atrous {

int64_t ConvGeometry::out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  const CheckedInt r = (CheckedInt(in) + CheckedInt(2) * p - CheckedInt(d) * (CheckedInt(k) - 1) - 1) / s + 1;
  return checked_output_size(r, in, k, s, p, d);
}

ConvGeometry ConvGeometry::read(const Attrs& a, int64_t default_kernel) {
  ConvGeometry g;
  std::tie(g.kh, g.kw) = a.get_pair("kernel", {default_kernel, default_kernel});
  std::tie(g.sh, g.sw) = a.get_pair("stride", {1, 1});
  std::tie(g.dh, g.dw) = a.get_pair("dilation", {1, 1});
  a.require(g.kh > 0 && g.kw > 0, "kernel", "must be positive");
  a.require(g.sh > 0 && g.sw > 0, "stride", "must be positive");
  a.require(g.dh > 0 && g.dw > 0, "dilation", "must be positive");
  const CheckedInt same_h = CheckedInt(g.dh) * (g.kh - 1) / 2, same_w = CheckedInt(g.dw) * (g.kw - 1) / 2;
  if (!same_h.ok() || !same_w.ok())
    a.reject("dilation", fmt::format("'dilation' {}x{} times 'kernel' {}x{} overflows 64-bit integers", g.dh,
                                     g.dw, g.kh, g.kw));
  std::tie(g.ph, g.pw) = a.get_pair("padding", {same_h.value(), same_w.value()});
  a.require(g.ph >= 0 && g.pw >= 0, "padding", "must be non-negative");
  return g;
}

Conv2d::Conv2d(const Attrs& a) {
  read_attrs(a, [&] { g_ = ConvGeometry::read(a, 3); });
}

Shape Conv2d::bind(const std::vector<Shape>& inputs) {
  bind_channels(inputs);
  create_params(Dims{out_, in_ / groups_, g_.kh, g_.kw});
  const int64_t ho = ConvGeometry::out_size(inputs[0].h, g_.kh, g_.sh, g_.ph, g_.dh);
  const int64_t wo = ConvGeometry::out_size(inputs[0].w, g_.kw, g_.sw, g_.pw, g_.dw);
  check_attr(ho > 0 && wo > 0, "kernel", "input {} is too small for kernel {}x{} dilation {}x{}", inputs[0].str(),
             g_.kh, g_.kw, g_.dh, g_.dw);
  return {out_, ho, wo};
}

Dims Conv2d::output_dims(const std::vector<Dims>& in) const {
  const Dims& x = in[0];
  return {x[0], out_, ConvGeometry::out_size(x[2], g_.kh, g_.sh, g_.ph, g_.dh),
          ConvGeometry::out_size(x[3], g_.kw, g_.sw, g_.pw, g_.dw)};
}

void Conv2d::init(Rng& rng) {
  const int64_t fan_in = (in_ / groups_) * g_.kh * g_.kw;
  const int64_t fan_out = (out_ / groups_) * g_.kh * g_.kw;
  init::apply(init_, *weight_, fan_in, fan_out, rng);
  if (bias_) init::constant(*bias_, 0.f);
}

double Conv2d::flops(const std::vector<Dims>& in) const {
  const Dims o = output_dims(in);
  // In double: a product of int64 sizes could wrap.
  return 2.0 * static_cast<double>(o[2]) * static_cast<double>(o[3]) * static_cast<double>(out_) *
         static_cast<double>(in_ / groups_) * static_cast<double>(g_.kh) * static_cast<double>(g_.kw);
}

ConvWindow Conv2d::window() const {
  return {g_.kh, g_.kw, {g_.sh, g_.sw}, {g_.dh - 1, g_.dw - 1}, {g_.ph, g_.pw}, {g_.ph, g_.pw}};
}

ATROUS_REGISTER_LAYER("conv", [](const Attrs& a) { return std::make_unique<Conv2d>(a); });

}  // namespace atrous
