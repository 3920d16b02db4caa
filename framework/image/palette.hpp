#pragma once
// Colours for label masks: the PASCAL VOC colour map (0 black background,
// 1 dark red, 2 green, ..., 255 the cream "ignore" colour), so masks written by
// atrous look like VOC's and VOC's palette PNGs read back as the same indices.
#include <array>
#include <cstdint>

#include "image/image.hpp"

namespace atrous {

using Rgb = std::array<uint8_t, 3>;
using Palette = std::array<Rgb, 256>;

const Palette& voc_palette();
// H×W labels → H×W×3 RGB through the palette.
Image colorize(const uint8_t* labels, int64_t height, int64_t width, const Palette& palette = voc_palette());

}  // namespace atrous
