#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <zlib.h>

#include "core/error.hpp"
#include "data_test_support.hpp"
#include "image/jpeg.hpp"
#include "image/palette.hpp"
#include "image/png.hpp"
#include "image/resize.hpp"

namespace atrous {
namespace {

using testing::contains;
using testing::TempDir;

Image pattern(int64_t h, int64_t w, int64_t c) {
  Image img(h, w, c);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < c; ++k) img.at(y, x, k) = static_cast<uint8_t>((y * 37 + x * 11 + k * 101) % 256);
  return img;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ImageIo, PngRoundTripRgbAndGrey) {
  TempDir dir("png");
  for (int64_t c : {1, 3}) {
    const Image img = pattern(13, 17, c);  // odd sizes: row strides are not multiples of 4
    const std::string path = dir / ("p" + std::to_string(c) + ".png");
    write_png(path, img);
    const Image back = read_png(path);
    EXPECT_EQ(back.height, 13);
    EXPECT_EQ(back.width, 17);
    EXPECT_EQ(back.channels, c);
    EXPECT_EQ(back.pixels, img.pixels) << "channels " << c;  // lossless: exact
    EXPECT_EQ(read_image(path).pixels, img.pixels);
  }
}

TEST(ImageIo, PalettePngYieldsIndicesNotColours) {
  TempDir dir("palette");
  Image labels(9, 11, 1);
  for (size_t i = 0; i < labels.pixels.size(); ++i) labels.pixels[i] = i % 5 == 4 ? 255 : static_cast<uint8_t>(i % 23);
  const std::string path = dir / "mask.png";
  write_png_indexed(path, labels, voc_palette());
  const Image indices = read_png_indices(path);
  EXPECT_EQ(indices.channels, 1);
  EXPECT_EQ(indices.pixels, labels.pixels);
  // Read as a picture, the same file shows the palette's colours.
  const Image rgb = read_png(path);
  ASSERT_EQ(rgb.channels, 3);
  for (int64_t y = 0; y < 9; ++y)
    for (int64_t x = 0; x < 11; ++x)
      for (int64_t k = 0; k < 3; ++k)
        ASSERT_EQ(rgb.at(y, x, k), voc_palette()[labels.at(y, x)][static_cast<size_t>(k)]);
  // A greyscale PNG's values are labels too.
  write_png(dir / "grey.png", labels);
  EXPECT_EQ(read_png_indices(dir / "grey.png").pixels, labels.pixels);
}

// A PNG written byte by byte (independently of libpng's writer): a palette
// image of the given bit depth, rows packed high bits first as the PNG spec says.
void write_packed_palette_png(const std::string& path, int depth, const Image& indices) {
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
  be32(ihdr, uint32_t(indices.width));
  be32(ihdr, uint32_t(indices.height));
  ihdr += char(depth);
  ihdr += std::string("\x03\x00\x00\x00", 4);  // palette, deflate, no filter, no interlace
  chunk("IHDR", ihdr);
  std::string plte;
  for (int i = 0; i < (1 << depth); ++i) plte += std::string{char(i * 10), char(255 - i), char(i)};
  chunk("PLTE", plte);
  std::string raw;
  for (int64_t y = 0; y < indices.height; ++y) {
    raw += '\0';  // filter: none
    int acc = 0, bits = 0;
    for (int64_t x = 0; x < indices.width; ++x) {
      acc = (acc << depth) | indices.at(y, x);
      bits += depth;
      if (bits == 8) raw += char(acc), acc = 0, bits = 0;
    }
    if (bits > 0) raw += char(acc << (8 - bits));
  }
  uLongf size = compressBound(uLong(raw.size()));
  std::string z(size, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size()));
  z.resize(size);
  chunk("IDAT", z);
  chunk("IEND", "");
  std::ofstream(path, std::ios::binary) << file;
}

TEST(ImageIo, LowBitDepthPalettePngsYieldUnscaledIndices) {
  TempDir dir("packed");
  for (int depth : {1, 2, 4}) {
    Image labels(3, 7, 1);  // 7 columns: rows end mid-byte
    for (size_t i = 0; i < labels.pixels.size(); ++i) labels.pixels[i] = uint8_t((i * 5 + 1) % (1 << depth));
    const std::string path = dir / ("d" + std::to_string(depth) + ".png");
    write_packed_palette_png(path, depth, labels);
    EXPECT_EQ(read_png_indices(path).pixels, labels.pixels) << "depth " << depth;
  }
}

TEST(ImageIo, VocPaletteKnownEntries) {
  // Values of the PASCAL VOC colour map as published with the dataset.
  const Palette& p = voc_palette();
  EXPECT_EQ(p[0], (Rgb{0, 0, 0}));
  EXPECT_EQ(p[1], (Rgb{128, 0, 0}));
  EXPECT_EQ(p[2], (Rgb{0, 128, 0}));
  EXPECT_EQ(p[3], (Rgb{128, 128, 0}));
  EXPECT_EQ(p[15], (Rgb{192, 128, 128}));  // person
  EXPECT_EQ(p[255], (Rgb{224, 224, 192}));  // void / ignore
  const uint8_t labels[2] = {15, 255};
  const Image c = colorize(labels, 1, 2);
  EXPECT_EQ(c.at(0, 0, 0), 192);
  EXPECT_EQ(c.at(0, 1, 2), 192);
}

TEST(ImageIo, RgbPngIsNotAMask) {
  TempDir dir("rgbmask");
  write_png(dir / "rgb.png", pattern(4, 4, 3));
  const std::string e = error_of([&] { read_png_indices(dir / "rgb.png"); });
  EXPECT_TRUE(contains(e, dir / "rgb.png")) << e;
  EXPECT_TRUE(contains(e, "palette or greyscale")) << e;
}

TEST(ImageIo, ErrorsNameTheFile) {
  TempDir dir("bad");
  EXPECT_TRUE(contains(error_of([&] { read_png(dir / "missing.png"); }), dir / "missing.png"));
  // A PNG cut in the middle: libpng's error must surface as an Error naming the file.
  write_png(dir / "full.png", pattern(64, 64, 3));
  {
    std::ifstream in(dir / "full.png", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(dir / "cut.png", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    std::ofstream(dir / "text.jpg", std::ios::binary) << "hello, not an image";
    bytes = "\xFF\xD8\xFF" + std::string(40, 'x');
    std::ofstream(dir / "junk.jpg", std::ios::binary) << bytes;
  }
  const std::string cut = error_of([&] { read_png(dir / "cut.png"); });
  EXPECT_TRUE(contains(cut, dir / "cut.png")) << cut;
  const std::string text = error_of([&] { read_image(dir / "text.jpg"); });
  EXPECT_TRUE(contains(text, dir / "text.jpg") && contains(text, "neither a PNG nor a JPEG")) << text;
  const std::string junk = error_of([&] { read_image(dir / "junk.jpg"); });
  EXPECT_TRUE(contains(junk, dir / "junk.jpg")) << junk;
  EXPECT_TRUE(contains(error_of([&] { write_png(dir / "no/such/dir/x.png", pattern(2, 2, 1)); }), "no/such/dir"));
}

TEST(ImageIo, JpegRoundTripWithinCompressionError) {
  TempDir dir("jpeg");
  // A smooth image: JPEG at quality 95 reproduces it to a few grey levels.
  Image img(24, 40, 3);
  for (int64_t y = 0; y < 24; ++y)
    for (int64_t x = 0; x < 40; ++x) {
      img.at(y, x, 0) = static_cast<uint8_t>(40 + 4 * x);
      img.at(y, x, 1) = static_cast<uint8_t>(60 + 5 * y);
      img.at(y, x, 2) = 128;
    }
  write_jpeg(dir / "a.jpg", img, 95);
  const Image back = read_image(dir / "a.jpg");  // dispatched by magic bytes
  ASSERT_EQ(back.height, 24);
  ASSERT_EQ(back.width, 40);
  ASSERT_EQ(back.channels, 3);
  double err = 0;
  for (size_t i = 0; i < img.pixels.size(); ++i) err += std::abs(int(img.pixels[i]) - int(back.pixels[i]));
  EXPECT_LT(err / static_cast<double>(img.pixels.size()), 3.0);  // mean |error| < 3 of 255 levels
  Image grey(8, 8, 1, 77);
  write_jpeg(dir / "g.jpg", grey);
  const Image g = read_jpeg(dir / "g.jpg");
  EXPECT_EQ(g.channels, 1);
  for (uint8_t v : g.pixels) EXPECT_NEAR(v, 77, 2);  // a flat image stays flat
}

// Naive reference: out(o) = interpolation at clamp((o + 0.5)·in/out − 0.5), written per pixel.
float bilinear_ref(const std::vector<float>& src, int64_t h, int64_t w, double sy, double sx) {
  sy = std::clamp(sy, 0.0, double(h - 1));
  sx = std::clamp(sx, 0.0, double(w - 1));
  const auto y0 = int64_t(std::floor(sy)), x0 = int64_t(std::floor(sx));
  const int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
  const double fy = sy - y0, fx = sx - x0;
  auto at = [&](int64_t y, int64_t x) { return double(src[size_t(y * w + x)]); };
  return float((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1)));
}

TEST(Resize, BilinearAndNearestMatchNaiveFormulas) {
  const int64_t h = 7, w = 9;
  std::vector<float> src(size_t(2 * h * w));
  std::vector<uint8_t> mask(size_t(h * w));
  for (size_t i = 0; i < src.size(); ++i) src[i] = float((i * 7919) % 101) / 10.0f;
  for (size_t i = 0; i < mask.size(); ++i) mask[i] = uint8_t(i);
  for (auto [oh, ow] : {std::pair<int64_t, int64_t>{14, 18}, {3, 4}, {7, 9}, {10, 5}, {1, 1}}) {
    const auto out = resize_bilinear(src, 2, h, w, oh, ow);
    const auto m = resize_nearest(mask, h, w, oh, ow);
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          const std::vector<float> plane(src.begin() + c * h * w, src.begin() + (c + 1) * h * w);
          const double sy = (y + 0.5) * h / oh - 0.5, sx = (x + 0.5) * w / ow - 0.5;
          // |error| <= 1e-5: float rounding of a convex combination of values below 10.1.
          ASSERT_NEAR(out[size_t((c * oh + y) * ow + x)], bilinear_ref(plane, h, w, sy, sx), 1e-5);
          if (c == 0) {
            // Nearest: the source pixel whose centre is closest (ties: the lower one or the upper one).
            const auto ny = std::min<int64_t>(h - 1, int64_t(std::floor((y + 0.5) * h / oh)));
            const auto nx = std::min<int64_t>(w - 1, int64_t(std::floor((x + 0.5) * w / ow)));
            ASSERT_EQ(m[size_t(y * ow + x)], mask[size_t(ny * w + nx)]);
            ASSERT_LE(std::abs(ny - std::clamp(sy, 0.0, double(h - 1))), 0.5 + 1e-9);
            ASSERT_LE(std::abs(nx - std::clamp(sx, 0.0, double(w - 1))), 0.5 + 1e-9);
          }
        }
  }
}

}  // namespace
}  // namespace atrous
