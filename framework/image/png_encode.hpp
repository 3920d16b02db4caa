#pragma once
// PNG bytes in memory: what write_png / write_png_indexed (image/png.hpp) write,
// for callers that write the file themselves — atomically, through
// train/atomic_file.hpp, so that a failed write leaves no truncated PNG.
#include <string>

#include "image/image.hpp"
#include "image/palette.hpp"

namespace atrous {

std::string encode_png(const Image& image);
std::string encode_png_indexed(const Image& indices, const Palette& palette);

}  // namespace atrous
