#include "image/jpeg.hpp"

// jpeglib.h needs FILE and size_t declared first.
#include <cstdio>
#include <cstddef>
#include <jpeglib.h>

#include <csetjmp>
#include <memory>

#include "core/error.hpp"

namespace atrous {

namespace {

// As for libpng: errors arrive by longjmp, so all resources live in a heap
// object created before setjmp and the landing site throws.
struct JpegState {
  jpeg_error_mgr errors{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
  std::FILE* file = nullptr;
  jpeg_decompress_struct in{};
  jpeg_compress_struct out{};
  bool in_created = false;
  bool out_created = false;
  Image image;

  ~JpegState() {
    if (in_created) jpeg_destroy_decompress(&in);
    if (out_created) jpeg_destroy_compress(&out);
    if (file) std::fclose(file);
  }
};

void on_error(j_common_ptr info) {
  auto* s = static_cast<JpegState*>(info->client_data);
  (*info->err->format_message)(info, s->message);
  std::longjmp(s->jump, 1);
}
void on_message(j_common_ptr) {}  // warnings (e.g. "extraneous bytes") are not errors

constexpr JDIMENSION kMaxSide = 1 << 15;

}  // namespace

Image read_jpeg(const std::string& path) {
  auto s = std::make_unique<JpegState>();
  s->file = std::fopen(path.c_str(), "rb");
  if (!s->file) throw Error(fmt::format("cannot open image '{}'", path));
  s->in.err = jpeg_std_error(&s->errors);
  s->errors.error_exit = on_error;
  s->errors.output_message = on_message;
  s->in.client_data = s.get();
  if (setjmp(s->jump)) throw Error(fmt::format("cannot read JPEG '{}': {}", path, s->message));
  jpeg_create_decompress(&s->in);
  s->in_created = true;
  jpeg_stdio_src(&s->in, s->file);
  jpeg_read_header(&s->in, TRUE);
  s->in.out_color_space = s->in.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  if (s->in.image_width > kMaxSide || s->in.image_height > kMaxSide)
    throw Error(fmt::format("JPEG '{}' is {}×{}, larger than atrous reads", path, s->in.image_height,
                            s->in.image_width));
  jpeg_start_decompress(&s->in);
  Image& img = s->image;
  img.height = s->in.output_height;
  img.width = s->in.output_width;
  img.channels = s->in.output_components;
  img.pixels.resize(static_cast<size_t>(img.height * img.width * img.channels));
  while (s->in.output_scanline < s->in.output_height) {
    JSAMPROW row = img.pixels.data() + static_cast<size_t>(s->in.output_scanline) * img.width * img.channels;
    jpeg_read_scanlines(&s->in, &row, 1);
  }
  jpeg_finish_decompress(&s->in);
  return std::move(s->image);
}

void write_jpeg(const std::string& path, const Image& image, int quality) {
  check(image.channels == 1 || image.channels == 3, "write_jpeg('{}'): {} channels (need 1 or 3)", path,
        image.channels);
  check(image.height > 0 && image.width > 0 &&
            static_cast<int64_t>(image.pixels.size()) == image.height * image.width * image.channels,
        "write_jpeg('{}'): inconsistent image {}", path, image.shape_str());
  auto s = std::make_unique<JpegState>();
  s->file = std::fopen(path.c_str(), "wb");
  if (!s->file) throw Error(fmt::format("cannot write '{}'", path));
  s->out.err = jpeg_std_error(&s->errors);
  s->errors.error_exit = on_error;
  s->errors.output_message = on_message;
  s->out.client_data = s.get();
  if (setjmp(s->jump)) throw Error(fmt::format("cannot write JPEG '{}': {}", path, s->message));
  jpeg_create_compress(&s->out);
  s->out_created = true;
  jpeg_stdio_dest(&s->out, s->file);
  s->out.image_width = static_cast<JDIMENSION>(image.width);
  s->out.image_height = static_cast<JDIMENSION>(image.height);
  s->out.input_components = static_cast<int>(image.channels);
  s->out.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&s->out);
  jpeg_set_quality(&s->out, quality, TRUE);
  jpeg_start_compress(&s->out, TRUE);
  while (s->out.next_scanline < s->out.image_height) {
    auto row = const_cast<JSAMPROW>(image.pixels.data() +
                                    static_cast<size_t>(s->out.next_scanline) * image.width * image.channels);
    jpeg_write_scanlines(&s->out, &row, 1);
  }
  jpeg_finish_compress(&s->out);
  std::FILE* f = s->file;
  s->file = nullptr;
  if (std::fclose(f) != 0) throw Error(fmt::format("cannot write '{}': error while closing the file", path));
}

}  // namespace atrous
