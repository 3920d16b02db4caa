#include "support/reference_deconv.hpp"

namespace atrous::testing {

std::vector<float> deconv2d_reference(const DeconvRef& p, const std::vector<float>& x, const std::vector<float>& w,
                                      const std::vector<float>& b) {
  const int64_t ho = p.out_h(), wo = p.out_w();
  const int64_t ig = p.c / p.groups, og = p.o / p.groups;
  std::vector<double> acc(static_cast<size_t>(p.n * p.o * ho * wo), 0.0);
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t i = 0; i < p.c; ++i) {
      const int64_t g = i / ig;
      for (int64_t iy = 0; iy < p.h; ++iy)
        for (int64_t ix = 0; ix < p.w; ++ix) {
          const double v = x[((n * p.c + i) * p.h + iy) * p.w + ix];
          for (int64_t j = 0; j < og; ++j)
            for (int64_t ky = 0; ky < p.kh; ++ky)
              for (int64_t kx = 0; kx < p.kw; ++kx) {
                const int64_t oy = iy * p.sh - p.ph + ky * p.dh, ox = ix * p.sw - p.pw + kx * p.dw;
                if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
                const int64_t o = g * og + j;
                acc[((n * p.o + o) * ho + oy) * wo + ox] += v * w[((i * og + j) * p.kh + ky) * p.kw + kx];
              }
        }
    }
  std::vector<float> y(acc.size());
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t o = 0; o < p.o; ++o)
      for (int64_t k = 0; k < ho * wo; ++k) {
        const size_t at = static_cast<size_t>((n * p.o + o) * ho * wo + k);
        y[at] = static_cast<float>(acc[at] + (b.empty() ? 0.0 : b[o]));
      }
  return y;
}

}  // namespace atrous::testing
