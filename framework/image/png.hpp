#pragma once
// PNG files through libpng. Masks are read as raw indices: a palette PNG yields
// its palette INDICES (the class labels), never the colours they display as.
#include <string>

#include "image/image.hpp"
#include "image/palette.hpp"

namespace atrous {

// 1-channel grey or 3-channel RGB: palettes expanded to RGB, 16-bit reduced to 8,
// alpha dropped.
Image read_png(const std::string& path);
// A 1-channel label image: the palette indices of a palette PNG, the values of a
// greyscale one (16-bit values must be < 256). RGB PNGs are rejected: their
// colours are not labels.
Image read_png_indices(const std::string& path);
// Writes a 1-channel (grey) or 3-channel (RGB) image.
void write_png(const std::string& path, const Image& image);
// Writes a 1-channel index image as a palette PNG with the given 256 colours.
void write_png_indexed(const std::string& path, const Image& indices, const Palette& palette);

}  // namespace atrous
