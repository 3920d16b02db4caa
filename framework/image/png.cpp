#include "image/png.hpp"
#include "image/png_encode.hpp"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace atrous {

namespace {

// libpng reports errors by longjmp. Everything that must be released lives in
// this heap object, created before setjmp, so that a longjmp skips no C++
// destructor and reads no local modified after setjmp; the handler then throws.
struct PngState {
  std::FILE* file = nullptr;
  png_structp png = nullptr;
  png_infop info = nullptr;
  bool writing = false;
  std::string message;
  std::vector<png_bytep> rows;
  std::vector<png_color> colours;
  Image image;
  std::string encoded;  // what a write produced

  ~PngState() {
    if (png && writing) png_destroy_write_struct(&png, &info);
    if (png && !writing) png_destroy_read_struct(&png, &info, nullptr);
    if (file) std::fclose(file);
  }
};

void on_error(png_structp png, png_const_charp message) {
  static_cast<PngState*>(png_get_error_ptr(png))->message = message;
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}  // e.g. harmless iCCP profile complaints

constexpr png_uint_32 kMaxSide = 1 << 15;

Image read(const std::string& path, bool indices) {
  auto s = std::make_unique<PngState>();
  s->file = std::fopen(path.c_str(), "rb");
  if (!s->file) throw Error(fmt::format("cannot open image '{}'", path));
  png_byte signature[8] = {};
  if (std::fread(signature, 1, 8, s->file) != 8 || png_sig_cmp(signature, 0, 8) != 0)
    throw Error(fmt::format("'{}' is not a PNG file", path));
  s->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s.get(), on_error, on_warning);
  if (!s->png) throw Error("libpng: out of memory");
  s->info = png_create_info_struct(s->png);
  if (!s->info) throw Error("libpng: out of memory");
  if (setjmp(png_jmpbuf(s->png))) throw Error(fmt::format("cannot read PNG '{}': {}", path, s->message));

  png_init_io(s->png, s->file);
  png_set_sig_bytes(s->png, 8);
  png_read_info(s->png, s->info);
  const png_uint_32 width = png_get_image_width(s->png, s->info);
  const png_uint_32 height = png_get_image_height(s->png, s->info);
  const int colour = png_get_color_type(s->png, s->info);
  const int depth = png_get_bit_depth(s->png, s->info);
  if (width > kMaxSide || height > kMaxSide)
    throw Error(fmt::format("PNG '{}' is {}×{}, larger than atrous reads ({} per side)", path, height, width, kMaxSide));
  if (indices) {
    if (colour != PNG_COLOR_TYPE_PALETTE && colour != PNG_COLOR_TYPE_GRAY)
      throw Error(fmt::format("mask '{}' must be a palette or greyscale PNG whose values are labels; "
                              "it is {} (colours are not labels)",
                              path, colour == PNG_COLOR_TYPE_GRAY_ALPHA ? "grey+alpha" : "RGB"));
    if (depth < 8) png_set_packing(s->png);  // one byte per index, values unscaled
    // 16-bit grey stays 16-bit (big-endian) and is checked below.
  } else {
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(s->png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(s->png);
    // 16-bit samples v become round(v · 255 / 65535), the 8-bit value they stand for
    // (png_set_strip_16 would keep the high byte: v / 256, truncated).
    if (depth == 16) png_set_scale_16(s->png);
    png_set_strip_alpha(s->png);
  }
  png_set_interlace_handling(s->png);  // Adam7 files: png_read_image then returns whole rows
  png_read_update_info(s->png, s->info);
  const int channels = png_get_channels(s->png, s->info);
  const size_t row_bytes = png_get_rowbytes(s->png, s->info);
  std::vector<png_byte>& buffer = s->image.pixels;
  buffer.resize(row_bytes * height);
  s->rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) s->rows[y] = buffer.data() + y * row_bytes;
  png_read_image(s->png, s->rows.data());
  png_read_end(s->png, nullptr);

  Image& img = s->image;
  img.height = height;
  img.width = width;
  img.channels = channels;
  if (indices && depth == 16) {
    std::vector<uint8_t> narrow(static_cast<size_t>(width) * height);
    for (size_t i = 0; i < narrow.size(); ++i) {
      const unsigned v = (buffer[2 * i] << 8) | buffer[2 * i + 1];
      if (v > 255)
        throw Error(fmt::format("mask '{}': 16-bit label {} at pixel ({}, {}) does not fit a byte", path, v,
                                i / width, i % width));
      narrow[i] = static_cast<uint8_t>(v);
    }
    buffer = std::move(narrow);
  }
  if (!indices && channels != 1 && channels != 3)
    throw Error(fmt::format("PNG '{}': unexpected {} channels after conversion", path, channels));
  return std::move(s->image);
}

void append_bytes(png_structp png, png_bytep data, png_size_t size) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  s->encoded.append(reinterpret_cast<const char*>(data), size);
}
void flush_nothing(png_structp) {}

// `what` names the destination in error messages.
std::string encode(const std::string& what, const Image& image, const Palette* palette) {
  check(image.height > 0 && image.width > 0 &&
            static_cast<int64_t>(image.pixels.size()) == image.height * image.width * image.channels,
        "write_png('{}'): inconsistent image {} with {} bytes", what, image.shape_str(), image.pixels.size());
  check(palette ? image.channels == 1 : (image.channels == 1 || image.channels == 3),
        "write_png('{}'): {} channels cannot be written{}", what, image.channels,
        palette ? " as a palette PNG (need 1)" : " (need 1 or 3)");
  auto s = std::make_unique<PngState>();
  s->writing = true;
  s->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, s.get(), on_error, on_warning);
  if (!s->png) throw Error("libpng: out of memory");
  s->info = png_create_info_struct(s->png);
  if (!s->info) throw Error("libpng: out of memory");
  if (palette) {
    s->colours.resize(256);
    for (size_t i = 0; i < 256; ++i) s->colours[i] = {(*palette)[i][0], (*palette)[i][1], (*palette)[i][2]};
  }
  s->rows.resize(static_cast<size_t>(image.height));
  const size_t row_bytes = static_cast<size_t>(image.width * image.channels);
  for (size_t y = 0; y < s->rows.size(); ++y)
    s->rows[y] = const_cast<png_bytep>(image.pixels.data() + y * row_bytes);  // libpng does not write to them
  if (setjmp(png_jmpbuf(s->png))) throw Error(fmt::format("cannot write PNG '{}': {}", what, s->message));

  png_set_write_fn(s->png, s.get(), append_bytes, flush_nothing);
  const int colour = palette ? PNG_COLOR_TYPE_PALETTE : image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB;
  png_set_IHDR(s->png, s->info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               colour, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (palette) png_set_PLTE(s->png, s->info, s->colours.data(), 256);
  png_write_info(s->png, s->info);
  png_write_image(s->png, s->rows.data());
  png_write_end(s->png, nullptr);
  return std::move(s->encoded);
}

void write(const std::string& path, const Image& image, const Palette* palette) {
  const std::string bytes = encode(path, image, palette);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) throw Error(fmt::format("cannot write '{}'", path));
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size())
    throw Error(fmt::format("cannot write '{}': the disk may be full", path));
  // Close here so that a full disk is reported rather than lost.
  if (std::fclose(file.release()) != 0) throw Error(fmt::format("cannot write '{}': error while closing the file", path));
}

}  // namespace

Image read_png(const std::string& path) { return read(path, false); }
Image read_png_indices(const std::string& path) { return read(path, true); }
void write_png(const std::string& path, const Image& image) { write(path, image, nullptr); }
void write_png_indexed(const std::string& path, const Image& indices, const Palette& palette) {
  write(path, indices, &palette);
}
std::string encode_png(const Image& image) { return encode("<memory>", image, nullptr); }
std::string encode_png_indexed(const Image& indices, const Palette& palette) {
  return encode("<memory>", indices, &palette);
}

}  // namespace atrous
