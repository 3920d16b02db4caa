#include "image/image.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "core/error.hpp"
#include "image/jpeg.hpp"
#include "image/png.hpp"

namespace atrous {

std::string Image::shape_str() const { return fmt::format("{}×{}×{}", height, width, channels); }

Image read_image(const std::string& path) {
  unsigned char magic[8] = {};
  size_t got = 0;
  {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) throw Error(fmt::format("cannot open image '{}'", path));
    got = std::fread(magic, 1, sizeof magic, f.get());
  }
  if (got >= 8 && magic[0] == 0x89 && magic[1] == 'P' && magic[2] == 'N' && magic[3] == 'G') return read_png(path);
  if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) return read_jpeg(path);
  throw Error(fmt::format("image '{}' is neither a PNG nor a JPEG file", path));
}

}  // namespace atrous
