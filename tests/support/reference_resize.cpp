#include "support/reference_resize.hpp"

#include <algorithm>
#include <cmath>

namespace atrous::testing {

namespace {

struct Tap {
  int64_t lo, hi;
  double t;  // weight of hi
};

Tap linear_tap(int64_t d, int64_t in, int64_t out, bool align_corners) {
  double src;
  if (align_corners)
    src = out > 1 ? static_cast<double>(d) * static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
  else
    src = std::max(0.0, (static_cast<double>(d) + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5);
  const auto lo = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
  return {lo, std::min(lo + 1, in - 1), src - static_cast<double>(lo)};
}

}  // namespace

std::vector<float> bilinear_reference(const ResizeRef& p, bool align_corners, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(p.n * p.c * p.oh * p.ow));
  for (int64_t plane = 0; plane < p.n * p.c; ++plane)
    for (int64_t oy = 0; oy < p.oh; ++oy) {
      const Tap ty = linear_tap(oy, p.h, p.oh, align_corners);
      for (int64_t ox = 0; ox < p.ow; ++ox) {
        const Tap tx = linear_tap(ox, p.w, p.ow, align_corners);
        auto at = [&](int64_t iy, int64_t ix) { return static_cast<double>(x[(plane * p.h + iy) * p.w + ix]); };
        const double top = (1 - tx.t) * at(ty.lo, tx.lo) + tx.t * at(ty.lo, tx.hi);
        const double bottom = (1 - tx.t) * at(ty.hi, tx.lo) + tx.t * at(ty.hi, tx.hi);
        y[(plane * p.oh + oy) * p.ow + ox] = static_cast<float>((1 - ty.t) * top + ty.t * bottom);
      }
    }
  return y;
}

std::vector<float> nearest_reference(const ResizeRef& p, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(p.n * p.c * p.oh * p.ow));
  for (int64_t plane = 0; plane < p.n * p.c; ++plane)
    for (int64_t oy = 0; oy < p.oh; ++oy)
      for (int64_t ox = 0; ox < p.ow; ++ox) {
        const int64_t iy = std::min(oy * p.h / p.oh, p.h - 1), ix = std::min(ox * p.w / p.ow, p.w - 1);
        y[(plane * p.oh + oy) * p.ow + ox] = x[(plane * p.h + iy) * p.w + ix];
      }
  return y;
}

}  // namespace atrous::testing
