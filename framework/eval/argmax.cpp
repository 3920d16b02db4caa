#include "eval/argmax.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace atrous {

std::vector<uint8_t> argmax_labels(const float* nchw, int64_t n, int64_t k, int64_t h, int64_t w) {
  check(k >= 1 && k <= 256, "argmax: {} channels (expected 1..256 classes)", k);
  check(n >= 0 && h >= 0 && w >= 0, "argmax: negative dims {}x{}x{}x{}", n, k, h, w);
  const int64_t hw = h * w;
  std::vector<uint8_t> out(static_cast<size_t>(n * hw));
  // One pass per channel over contiguous planes (cache friendly in NCHW) while
  // keeping the running best value per pixel.
#pragma omp parallel for schedule(static) if (n * hw >= (1 << 14))
  for (int64_t b = 0; b < n; ++b) {
    const float* x = nchw + b * k * hw;
    uint8_t* y = out.data() + b * hw;
    if (k == 1) {
      for (int64_t i = 0; i < hw; ++i) y[i] = x[i] > 0.0f ? 1 : 0;
      continue;
    }
    std::vector<float> best(x, x + hw);
    std::fill(y, y + hw, uint8_t{0});
    for (int64_t c = 1; c < k; ++c) {
      const float* xc = x + c * hw;
      for (int64_t i = 0; i < hw; ++i)
        if (xc[i] > best[i]) {  // strict: ties keep the lower class
          best[i] = xc[i];
          y[i] = static_cast<uint8_t>(c);
        }
    }
  }
  return out;
}

std::vector<uint8_t> argmax_labels(const Tensor& logits) {
  const Dims d = logits.dims();
  check(d.size() == 4, "argmax: logits must be N×K×H×W, got {}", dims_str(d));
  const std::vector<float> plain = logits.to_vector();
  return argmax_labels(plain.data(), d[0], d[1], d[2], d[3]);
}

}  // namespace atrous
