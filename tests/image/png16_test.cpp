// PNGs with 16 bits per sample read as the 8-bit images they stand for: each
// sample v becomes round(v · 255 / 65535), so that a 16-bit file and its 8-bit
// version give the same [0, 1] intensities (and the same prediction).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "image/image.hpp"
#include "image/png.hpp"
#include "image/png_encode.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

// A 16-bit PNG written byte by byte (independently of libpng's writer):
// `colour_type` 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA; samples big-endian as the PNG
// spec says, `samples` interleaved per pixel.
void write_png16(const std::string& path, int64_t height, int64_t width, int colour_type,
                 const std::vector<uint16_t>& samples) {
  auto be32 = [](std::string& out, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out += char((v >> s) & 0xFF);
  };
  std::string file = "\x89PNG\r\n\x1a\n";
  auto chunk = [&](const std::string& type, const std::string& data) {
    be32(file, uint32_t(data.size()));
    const std::string body = type + data;
    file += body;
    be32(file, uint32_t(crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
  };
  std::string ihdr;
  be32(ihdr, uint32_t(width));
  be32(ihdr, uint32_t(height));
  ihdr += char(16);
  ihdr += char(colour_type);
  ihdr += std::string("\x00\x00\x00", 3);  // deflate, no filter, no interlace
  chunk("IHDR", ihdr);
  const size_t per_row = samples.size() / size_t(height);
  std::string raw;
  for (int64_t y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    for (size_t i = 0; i < per_row; ++i) {
      const uint16_t v = samples[size_t(y) * per_row + i];
      raw += char(v >> 8);
      raw += char(v & 0xFF);
    }
  }
  uLongf size = compressBound(uLong(raw.size()));
  std::string z(size, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size()));
  z.resize(size);
  chunk("IDAT", z);
  chunk("IEND", "");
  std::ofstream(path, std::ios::binary) << file;
}

uint8_t to_8bit(uint16_t v) { return static_cast<uint8_t>(std::lround(v * 255.0 / 65535.0)); }

// Values whose high byte is NOT their 8-bit value (255 → 1, not 0; 0x10F0 →
// 17, not 16; v = 256·h + l rounds up when l > h + 128), the extremes, values at
// the rounding boundary, and exact 8-bit values scaled up (257·k → k).
std::vector<uint16_t> samples(size_t n) {
  const uint16_t special[] = {255, 0x10F0, 0, 65535, 32767, 32768, 384, 65407, 257 * 200, 200};
  std::vector<uint16_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = i < std::size(special) ? special[i] : uint16_t((i * 7919 + 13) % 65536);
  return out;
}

TEST(Png16, GreyAndRgbScaleToTheEightBitRange) {
  testing::TempDir dir("png16");
  const int64_t h = 5, w = 7;
  for (int channels : {1, 3}) {
    const auto values = samples(size_t(h * w * channels));
    const std::string path = dir / ("c" + std::to_string(channels) + ".png");
    write_png16(path, h, w, channels == 1 ? 0 : 2, values);
    const Image img = read_image(path);
    ASSERT_EQ(img.height, h);
    ASSERT_EQ(img.width, w);
    ASSERT_EQ(img.channels, channels);
    for (size_t i = 0; i < values.size(); ++i)
      ASSERT_EQ(int(img.pixels[i]), int(to_8bit(values[i]))) << "channels " << channels << ", sample " << i
                                                             << " = " << values[i];
  }
}

TEST(Png16, AlphaIsDroppedAfterScaling) {
  testing::TempDir dir("png16a");
  const int64_t h = 3, w = 4;
  for (int colour_type : {4, 6}) {
    const int colours = colour_type == 4 ? 1 : 3;
    const auto values = samples(size_t(h * w * colours));
    std::vector<uint16_t> with_alpha;
    for (size_t p = 0; p < size_t(h * w); ++p) {
      for (int c = 0; c < colours; ++c) with_alpha.push_back(values[p * size_t(colours) + size_t(c)]);
      with_alpha.push_back(uint16_t(p * 1000));  // any alpha: ignored
    }
    const std::string path = dir / ("t" + std::to_string(colour_type) + ".png");
    write_png16(path, h, w, colour_type, with_alpha);
    const Image img = read_png(path);
    ASSERT_EQ(img.channels, colours);
    for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(int(img.pixels[i]), int(to_8bit(values[i])));
  }
}

TEST(Png16, SixteenBitVersionOfAnEightBitImageReadsIdentically) {
  testing::TempDir dir("png16eq");
  Image eight(4, 6, 3);
  for (size_t i = 0; i < eight.pixels.size(); ++i) eight.pixels[i] = uint8_t(i * 37 % 256);
  std::vector<uint16_t> sixteen;
  for (uint8_t v : eight.pixels) sixteen.push_back(uint16_t(v * 257));  // the exact 16-bit equivalent
  write_png(dir / "8.png", eight);
  write_png16(dir / "16.png", 4, 6, 2, sixteen);
  EXPECT_EQ(read_image(dir / "16.png").pixels, read_image(dir / "8.png").pixels);
}

TEST(PngEncode, BytesAreWhatWritePngWrites) {
  testing::TempDir dir("pngenc");
  Image img(3, 5, 3);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t(i * 11);
  write_png(dir / "a.png", img);
  std::ifstream in(dir / "a.png", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(encode_png(img), file);
}

}  // namespace
}  // namespace atrous
