#include "image/resize.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace atrous {

namespace {

struct Tap {
  int64_t i0, i1;
  float w1;  // weight of i1; i0 gets 1 - w1
};

std::vector<Tap> bilinear_taps(int64_t in, int64_t out) {
  std::vector<Tap> taps(static_cast<size_t>(out));
  const double ratio = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t o = 0; o < out; ++o) {
    double s = (static_cast<double>(o) + 0.5) * ratio - 0.5;
    s = std::clamp(s, 0.0, static_cast<double>(in - 1));
    const auto i0 = static_cast<int64_t>(std::floor(s));
    const int64_t i1 = std::min(i0 + 1, in - 1);
    taps[static_cast<size_t>(o)] = {i0, i1, static_cast<float>(s - static_cast<double>(i0))};
  }
  return taps;
}

std::vector<int64_t> nearest_taps(int64_t in, int64_t out) {
  std::vector<int64_t> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o)
    taps[static_cast<size_t>(o)] =
        std::min(in - 1, static_cast<int64_t>(std::floor((static_cast<double>(o) + 0.5) * static_cast<double>(in) /
                                                         static_cast<double>(out))));
  return taps;
}

}  // namespace

std::vector<float> resize_bilinear(const std::vector<float>& src, int64_t channels, int64_t height, int64_t width,
                                   int64_t out_h, int64_t out_w) {
  check(height > 0 && width > 0 && out_h > 0 && out_w > 0 &&
            static_cast<int64_t>(src.size()) == channels * height * width,
        "resize_bilinear: bad sizes {}×{}×{} → {}×{} for {} values", channels, height, width, out_h, out_w,
        src.size());
  const auto ty = bilinear_taps(height, out_h);
  const auto tx = bilinear_taps(width, out_w);
  std::vector<float> dst(static_cast<size_t>(channels * out_h * out_w));
  for (int64_t c = 0; c < channels; ++c) {
    const float* plane = src.data() + c * height * width;
    float* o = dst.data() + c * out_h * out_w;
    for (int64_t y = 0; y < out_h; ++y) {
      const Tap& vy = ty[static_cast<size_t>(y)];
      const float* r0 = plane + vy.i0 * width;
      const float* r1 = plane + vy.i1 * width;
      for (int64_t x = 0; x < out_w; ++x) {
        const Tap& vx = tx[static_cast<size_t>(x)];
        const float top = r0[vx.i0] + vx.w1 * (r0[vx.i1] - r0[vx.i0]);
        const float bottom = r1[vx.i0] + vx.w1 * (r1[vx.i1] - r1[vx.i0]);
        o[y * out_w + x] = top + vy.w1 * (bottom - top);
      }
    }
  }
  return dst;
}

std::vector<uint8_t> resize_nearest(const std::vector<uint8_t>& src, int64_t height, int64_t width, int64_t out_h,
                                    int64_t out_w) {
  check(height > 0 && width > 0 && out_h > 0 && out_w > 0 && static_cast<int64_t>(src.size()) == height * width,
        "resize_nearest: bad sizes {}×{} → {}×{} for {} values", height, width, out_h, out_w, src.size());
  const auto ty = nearest_taps(height, out_h);
  const auto tx = nearest_taps(width, out_w);
  std::vector<uint8_t> dst(static_cast<size_t>(out_h * out_w));
  for (int64_t y = 0; y < out_h; ++y)
    for (int64_t x = 0; x < out_w; ++x)
      dst[static_cast<size_t>(y * out_w + x)] = src[static_cast<size_t>(ty[static_cast<size_t>(y)] * width +
                                                                      tx[static_cast<size_t>(x)])];
  return dst;
}

}  // namespace atrous
