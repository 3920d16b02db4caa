#include "data/waveform_preview.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "data/mu_law.hpp"

namespace atrous {

std::vector<float> sample_waveform(const Sample& s, const Normalize& n) {
  check(s.channels == 1 && s.height == 1, "waveform: a {}×{}×{} sample is not audio (1×1×T)", s.channels, s.height,
        s.width);
  std::vector<float> out(s.image.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const double v = s.image[i] * n.std_of(0) + n.mean_of(0);  // (code + 0.5) / 256
    const auto code = static_cast<uint8_t>(std::clamp(std::floor(v * kMuLawClasses), 0.0, kMuLawClasses - 1.0));
    out[i] = mu_law_decode(code);
  }
  return out;
}

Image waveform_grid(const std::vector<Sample>& samples, const Normalize& normalize, int64_t width, int64_t height) {
  check(!samples.empty() && width >= 1 && height >= 2, "waveform_grid: nothing to draw");
  constexpr int64_t gap = 2;
  int64_t longest = 1;
  for (const auto& s : samples) longest = std::max(longest, s.width);
  width = std::min(width, longest);
  const auto count = static_cast<int64_t>(samples.size());
  Image img(gap + count * (height + gap), gap + width + gap, 3, 160);
  for (int64_t k = 0; k < count; ++k) {
    const std::vector<float> x = sample_waveform(samples[static_cast<size_t>(k)], normalize);
    const int64_t top = gap + k * (height + gap);
    const auto row_of = [&](float v) {  // +1 at the top, -1 at the bottom
      return top + std::clamp<int64_t>(std::lround((1.0 - v) / 2.0 * static_cast<double>(height - 1)), 0, height - 1);
    };
    for (int64_t y = top; y < top + height; ++y)
      for (int64_t col = 0; col < width; ++col)
        for (int64_t ch = 0; ch < 3; ++ch) img.at(y, gap + col, ch) = 250;
    for (int64_t col = 0; col < width; ++col)
      for (int64_t ch = 0; ch < 3; ++ch) img.at(row_of(0.0f), gap + col, ch) = 200;  // the zero line
    const auto t = static_cast<int64_t>(x.size());
    for (int64_t col = 0; col < width && t > 0; ++col) {
      const int64_t begin = col * t / width, end = std::max(begin + 1, (col + 1) * t / width);
      if (begin >= t) break;
      // From the previous column's last sample on, so that the trace is connected
      // when a column holds one sample.
      const auto [lo, hi] = std::minmax_element(x.begin() + std::max<int64_t>(0, begin - 1), x.begin() + std::min(end, t));
      for (int64_t y = row_of(*hi); y <= row_of(*lo); ++y) {
        img.at(y, gap + col, 0) = 30;
        img.at(y, gap + col, 1) = 70;
        img.at(y, gap + col, 2) = 160;
      }
    }
  }
  return img;
}

}  // namespace atrous
