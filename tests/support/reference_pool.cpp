#include "support/reference_pool.hpp"

#include <algorithm>
#include <limits>

namespace atrous::testing {

namespace {

template <typename F>
void each_window(const PoolRef& p, F&& f) {
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t c = 0; c < p.c; ++c)
      for (int64_t oy = 0; oy < p.out_h(); ++oy)
        for (int64_t ox = 0; ox < p.out_w(); ++ox) f(n, c, oy, ox, oy * p.sh - p.ph, ox * p.sw - p.pw);
}

}  // namespace

std::vector<float> maxpool_reference(const PoolRef& p, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(p.n * p.c * p.out_h() * p.out_w()));
  each_window(p, [&](int64_t n, int64_t c, int64_t oy, int64_t ox, int64_t y0, int64_t x0) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t iy = y0; iy < y0 + p.kh; ++iy)
      for (int64_t ix = x0; ix < x0 + p.kw; ++ix)
        if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) m = std::max(m, x[((n * p.c + c) * p.h + iy) * p.w + ix]);
    y[((n * p.c + c) * p.out_h() + oy) * p.out_w() + ox] = m;
  });
  return y;
}

std::vector<float> avgpool_reference(const PoolRef& p, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(p.n * p.c * p.out_h() * p.out_w()));
  each_window(p, [&](int64_t n, int64_t c, int64_t oy, int64_t ox, int64_t y0, int64_t x0) {
    double sum = 0;
    int64_t inside = 0;
    for (int64_t iy = y0; iy < y0 + p.kh; ++iy)
      for (int64_t ix = x0; ix < x0 + p.kw; ++ix)
        if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) {
          sum += x[((n * p.c + c) * p.h + iy) * p.w + ix];
          ++inside;
        }
    // PyTorch's pool_size: the window clipped to [-p, in + p).
    const int64_t padded = (std::min(y0 + p.kh, p.h + p.ph) - y0) * (std::min(x0 + p.kw, p.w + p.pw) - x0);
    y[((n * p.c + c) * p.out_h() + oy) * p.out_w() + ox] =
        static_cast<float>(sum / static_cast<double>(p.count_include_pad ? padded : inside));
  });
  return y;
}

std::vector<float> global_avgpool_reference(int64_t n, int64_t c, int64_t h, int64_t w, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(n * c));
  for (int64_t i = 0; i < n * c; ++i) {
    double sum = 0;
    for (int64_t k = 0; k < h * w; ++k) sum += x[i * h * w + k];
    y[i] = static_cast<float>(sum / static_cast<double>(h * w));
  }
  return y;
}

}  // namespace atrous::testing
