#pragma once
// An 8-bit raster as files hold it: interleaved H×W×C bytes (C = 1 grey or
// index, 3 RGB). Datasets turn it into planar floats; writers take it back.
#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

struct Image {
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 0;
  std::vector<uint8_t> pixels;  // row-major, channels interleaved

  Image() = default;
  Image(int64_t h, int64_t w, int64_t c, uint8_t fill = 0)
      : height(h), width(w), channels(c), pixels(static_cast<size_t>(h * w * c), fill) {}
  uint8_t& at(int64_t y, int64_t x, int64_t c = 0) { return pixels[static_cast<size_t>((y * width + x) * channels + c)]; }
  uint8_t at(int64_t y, int64_t x, int64_t c = 0) const {
    return pixels[static_cast<size_t>((y * width + x) * channels + c)];
  }
  std::string shape_str() const;  // "480×640×3"
};

// Reads a PNG or a JPEG (chosen by the file's magic bytes, not its name) as 1-channel
// grey or 3-channel RGB. Errors name the file.
Image read_image(const std::string& path);

}  // namespace atrous
