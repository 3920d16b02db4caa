#include "support/reference.hpp"

namespace atrous::testing {

std::vector<float> conv2d_reference(const ConvRef& p, const std::vector<float>& x, const std::vector<float>& w,
                                    const std::vector<float>& b) {
  const int64_t ho = p.out_h(), wo = p.out_w();
  const int64_t ig = p.c / p.groups, og = p.o / p.groups;
  std::vector<float> y(static_cast<size_t>(p.n * p.o * ho * wo));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t o = 0; o < p.o; ++o) {
      const int64_t g = o / og;
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          double acc = b.empty() ? 0.0 : b[o];
          for (int64_t i = 0; i < ig; ++i)
            for (int64_t ky = 0; ky < p.kh; ++ky)
              for (int64_t kx = 0; kx < p.kw; ++kx) {
                const int64_t iy = oy * p.sh - p.ph + ky * p.dh, ix = ox * p.sw - p.pw + kx * p.dw;
                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                acc += static_cast<double>(w[((o * ig + i) * p.kh + ky) * p.kw + kx]) *
                       x[((n * p.c + g * ig + i) * p.h + iy) * p.w + ix];
              }
          y[((n * p.o + o) * ho + oy) * wo + ox] = static_cast<float>(acc);
        }
    }
  return y;
}

}  // namespace atrous::testing
