#include "data/preview.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace atrous {

Image sample_image(const Sample& s, const Normalize& n) {
  Image out(s.height, s.width, 3);
  for (int64_t y = 0; y < s.height; ++y)
    for (int64_t x = 0; x < s.width; ++x)
      for (int64_t c = 0; c < 3; ++c) {
        const int64_t from = s.channels == 1 ? 0 : c;
        const double v = s.pixel(from, y, x) * n.std_of(from) + n.mean_of(from);
        out.at(y, x, c) = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
      }
  return out;
}

Image sample_grid(const std::vector<Sample>& samples, const Normalize& normalize, int64_t columns, int64_t zoom,
                  const Palette& palette) {
  check(!samples.empty() && columns >= 1 && zoom >= 1, "sample_grid: nothing to draw");
  constexpr int64_t gap = 2;
  int64_t cell_h = 0, cell_w = 0;
  for (const auto& s : samples) {
    cell_h = std::max(cell_h, s.height * zoom);
    cell_w = std::max(cell_w, s.width * zoom);
  }
  const auto count = static_cast<int64_t>(samples.size());
  columns = std::min(columns, count);
  const int64_t rows = (count + columns - 1) / columns;
  const double pixels = static_cast<double>(gap + rows * (cell_h + gap)) *
                        static_cast<double>(gap + columns * 2 * (cell_w + gap));
  if (pixels > static_cast<double>(kMaxGridPixels))
    throw Error(fmt::format("the sample grid would be {:.0f} million pixels (at most {}); show fewer samples or use a "
                            "smaller zoom",
                            pixels / 1e6, kMaxGridPixels / 1'000'000),
                Error::Kind::usage);
  Image grid(gap + rows * (cell_h + gap), gap + columns * 2 * (cell_w + gap), 3, 96);
  auto paste = [&](const Image& picture, int64_t top, int64_t left) {
    for (int64_t y = 0; y < picture.height * zoom; ++y)
      for (int64_t x = 0; x < picture.width * zoom; ++x)
        for (int64_t c = 0; c < 3; ++c) grid.at(top + y, left + x, c) = picture.at(y / zoom, x / zoom, c);
  };
  for (int64_t i = 0; i < count; ++i) {
    const Sample& s = samples[static_cast<size_t>(i)];
    const int64_t top = gap + (i / columns) * (cell_h + gap);
    const int64_t left = gap + (i % columns) * 2 * (cell_w + gap);
    paste(sample_image(s, normalize), top, left);
    paste(colorize(s.mask.data(), s.height, s.width, palette), top, left + cell_w + gap);
  }
  return grid;
}

}  // namespace atrous
