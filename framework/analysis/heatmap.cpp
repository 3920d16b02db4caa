#include "analysis/heatmap.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "image/png.hpp"

namespace atrous {

namespace {

// A perceptually ordered dark-to-bright map (control points of matplotlib's
// "inferno"), linearly interpolated; t in [0, 1].
std::array<uint8_t, 3> colour(double t) {
  static constexpr std::array<std::array<double, 3>, 6> stops{{{20, 11, 53},
                                                                {87, 16, 110},
                                                                {160, 42, 99},
                                                                {221, 81, 58},
                                                                {250, 153, 8},
                                                                {252, 255, 164}}};
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(stops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  std::array<uint8_t, 3> c{};
  for (size_t k = 0; k < 3; ++k)
    c[k] = static_cast<uint8_t>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  return c;
}

}  // namespace

Image erf_heatmap(const ErfMap& map, const HeatmapOptions& o) {
  const int64_t side = std::max(map.height, map.width);
  const int64_t scale =
      o.scale > 0 ? o.scale : std::clamp<int64_t>((256 + side - 1) / std::max<int64_t>(side, 1), 1, 16);
  Image img(map.height * scale, map.width * scale, 3, 0);  // black: exactly zero mass
  const double peak = map.peak();
  for (int64_t y = 0; y < map.height; ++y)
    for (int64_t x = 0; x < map.width; ++x) {
      const double v = map.at(y, x);
      if (v <= 0 || peak <= 0) continue;
      // log10 of the fraction of the peak, from -decades (darkest) to 0 (brightest).
      const auto c = colour(1.0 + std::log10(v / peak) / o.decades);
      for (int64_t dy = 0; dy < scale; ++dy)
        for (int64_t dx = 0; dx < scale; ++dx)
          for (int64_t k = 0; k < 3; ++k) img.at(y * scale + dy, x * scale + dx, k) = c[static_cast<size_t>(k)];
    }
  // The theoretical field: a cyan rectangle on the outermost image pixels of its
  // border cells (inside the window, so it is visible at the input's edges too).
  const Window& w = map.theoretical;
  if (w.height > 0 && w.width > 0) {
    const int64_t top = w.top * scale, left = w.left * scale;
    const int64_t bottom = (w.top + w.height) * scale - 1, right = (w.left + w.width) * scale - 1;
    const auto paint = [&](int64_t y, int64_t x) {
      img.at(y, x, 0) = 0;
      img.at(y, x, 1) = 255;
      img.at(y, x, 2) = 255;
    };
    for (int64_t x = left; x <= right; ++x) {
      paint(top, x);
      paint(bottom, x);
    }
    for (int64_t y = top; y <= bottom; ++y) {
      paint(y, left);
      paint(y, right);
    }
  }
  return img;
}

void write_erf_heatmap(const std::string& path, const ErfMap& map, const HeatmapOptions& options) {
  write_png(path, erf_heatmap(map, options));
}

}  // namespace atrous
