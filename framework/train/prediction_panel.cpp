#include "train/prediction_panel.hpp"

#include "data/preview.hpp"
#include "image/palette.hpp"

namespace atrous {

Image prediction_panel(const Sample& sample, const std::vector<uint8_t>& prediction, const Normalize& normalize,
                       int64_t zoom) {
  constexpr int64_t gap = 2;
  const int64_t h = sample.height * zoom, w = sample.width * zoom;
  Image panel(h, 3 * w + 2 * gap, 3, 96);
  const Image pictures[3] = {sample_image(sample, normalize), colorize(sample.mask.data(), sample.height, sample.width),
                             colorize(prediction.data(), sample.height, sample.width)};
  for (int64_t p = 0; p < 3; ++p)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t c = 0; c < 3; ++c) panel.at(y, p * (w + gap) + x, c) = pictures[p].at(y / zoom, x / zoom, c);
  return panel;
}

}  // namespace atrous
