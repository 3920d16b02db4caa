#include "report/audio_picture.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "eval/audio_stats.hpp"

namespace atrous::report {

namespace {

constexpr int64_t kWaveHeight = 64, kGap = 2;

// Black -> purple -> orange -> pale yellow (magma-like), t in [0, 1].
std::array<uint8_t, 3> heat(double t) {
  static constexpr std::array<std::array<double, 3>, 5> stops{
      {{0, 0, 4}, {80, 18, 123}, {183, 55, 121}, {252, 137, 97}, {252, 253, 191}}};
  t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
  const auto i = std::min<size_t>(static_cast<size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  std::array<uint8_t, 3> c{};
  for (size_t k = 0; k < 3; ++k) c[k] = static_cast<uint8_t>(std::lround(stops[i][k] * (1 - f) + stops[i + 1][k] * f));
  return c;
}

}  // namespace

Image audio_picture(std::span<const float> x, int64_t width) {
  const int64_t fft = 256;
  const int64_t hop = std::max<int64_t>(1, (static_cast<int64_t>(x.size()) - fft) / std::max<int64_t>(1, width - 1));
  const Spectrogram s = spectrogram(x, fft, hop);
  const int64_t w = s.frames, height = kWaveHeight + kGap + s.bins;
  Image img(height, w, 3, 255);
  // Waveform: column c spans the samples of frame c's hop.
  const double mid = (kWaveHeight - 1) / 2.0;
  for (int64_t c = 0; c < w; ++c) {
    const size_t begin = static_cast<size_t>(c * hop), end = std::min(x.size(), static_cast<size_t>((c + 1) * hop));
    float lo = 0, hi = 0;
    for (size_t i = begin; i < end; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
    const auto y0 = static_cast<int64_t>(std::lround(mid - std::clamp(hi, -1.f, 1.f) * mid));
    const auto y1 = static_cast<int64_t>(std::lround(mid - std::clamp(lo, -1.f, 1.f) * mid));
    img.at(static_cast<int64_t>(std::lround(mid)), c, 0) = img.at(static_cast<int64_t>(std::lround(mid)), c, 1) = 200;
    for (int64_t y = y0; y <= y1; ++y) {
      img.at(y, c, 0) = 30;
      img.at(y, c, 1) = 60;
      img.at(y, c, 2) = 140;
    }
  }
  for (int64_t c = 0; c < w; ++c)
    for (int64_t b = 0; b < s.bins; ++b) {
      const double db = s.db[static_cast<size_t>(c * s.bins + b)];
      const auto rgb = heat((db - kPictureFloorDb) / (kPictureTopDb - kPictureFloorDb));
      const int64_t y = height - 1 - b;  // low frequencies at the bottom
      for (int64_t k = 0; k < 3; ++k) img.at(y, c, k) = rgb[static_cast<size_t>(k)];
    }
  return img;
}

}  // namespace atrous::report
