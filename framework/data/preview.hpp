#pragma once
// Pictures of samples for humans: each image next to its colourised mask.
#include <cstdint>
#include <vector>

#include "data/sample.hpp"
#include "data/transforms.hpp"
#include "image/image.hpp"
#include "image/palette.hpp"

namespace atrous {

// The sample's image back in 8-bit RGB (normalisation undone, grey repeated).
Image sample_image(const Sample& s, const Normalize& normalize);

// The largest grid sample_grid draws (about 800 MB as RGB).
inline constexpr int64_t kMaxGridPixels = int64_t{1} << 28;

// A grid of `columns` (image | mask) pairs per row, each picture magnified
// `zoom` times (nearest), separated by 2-pixel grey lines. A usage error, before
// allocating, when the grid would exceed kMaxGridPixels.
Image sample_grid(const std::vector<Sample>& samples, const Normalize& normalize, int64_t columns, int64_t zoom,
                  const Palette& palette = voc_palette());

}  // namespace atrous
