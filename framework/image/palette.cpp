#include "image/palette.hpp"

namespace atrous {

namespace {

// VOC's bit-interleaving construction: bit k of the label goes to bit 7-k/3 of
// one of the three channels, so neighbouring labels get very different colours.
Palette make_voc_palette() {
  Palette p{};
  for (int label = 0; label < 256; ++label) {
    int r = 0, g = 0, b = 0, c = label;
    for (int shift = 7; shift >= 0; --shift) {
      r |= ((c >> 0) & 1) << shift;
      g |= ((c >> 1) & 1) << shift;
      b |= ((c >> 2) & 1) << shift;
      c >>= 3;
    }
    p[static_cast<size_t>(label)] = {static_cast<uint8_t>(r), static_cast<uint8_t>(g), static_cast<uint8_t>(b)};
  }
  return p;
}

}  // namespace

const Palette& voc_palette() {
  static const Palette palette = make_voc_palette();
  return palette;
}

Image colorize(const uint8_t* labels, int64_t height, int64_t width, const Palette& palette) {
  Image out(height, width, 3);
  for (int64_t i = 0; i < height * width; ++i) {
    const Rgb& c = palette[labels[i]];
    for (int k = 0; k < 3; ++k) out.pixels[static_cast<size_t>(i * 3 + k)] = c[static_cast<size_t>(k)];
  }
  return out;
}

}  // namespace atrous
