#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "data/folder.hpp"
#include "data_test_support.hpp"
#include "image/jpeg.hpp"
#include "image/png.hpp"

namespace atrous {
namespace {

using testing::contains;
using testing::TempDir;

// A tiny VOC tree: ids a (PNG image), b (JPEG image, grey mask), c (palette mask with 255 borders).
struct VocTree {
  TempDir dir{"voc"};
  FolderParams params;

  VocTree() {
    namespace fs = std::filesystem;
    for (const char* d : {"JPEGImages", "SegmentationClass", "ImageSets/Segmentation"})
      fs::create_directories(dir / d);
    params.root = dir.str();
    params.classes = 4;
    params.image_ext = ".png";  // overridden per id below by writing both kinds under the same ext
    write_list("train", {"a", "c"});
    write_list("val", {"b"});
    write_png(dir / "JPEGImages/a.png", image(6, 5, 10));
    write_png_indexed(dir / "SegmentationClass/a.png", mask(6, 5, false), voc_palette());
    write_jpeg(dir / "JPEGImages/b.png", Image(4, 4, 3, 200));  // a JPEG named .png: read by its magic bytes
    write_png(dir / "SegmentationClass/b.png", mask(4, 4, false));   // greyscale mask
    write_png(dir / "JPEGImages/c.png", image(3, 7, 50));
    write_png_indexed(dir / "SegmentationClass/c.png", mask(3, 7, true), voc_palette());
  }
  void write_list(const std::string& name, const std::vector<std::string>& ids) {
    std::ofstream out(dir / ("ImageSets/Segmentation/" + name + ".txt"));
    for (const auto& id : ids) out << id << "\n";
  }
  static Image image(int64_t h, int64_t w, int base) {
    Image img(h, w, 3);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t(base + i);
    return img;
  }
  static Image mask(int64_t h, int64_t w, bool borders) {
    Image m(h, w, 1);
    for (int64_t i = 0; i < h * w; ++i) m.pixels[size_t(i)] = borders && i % 3 == 0 ? 255 : uint8_t(i % 4);
    return m;
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FolderDataset, ReadsImagesAndIndexMasks) {
  VocTree t;
  const FolderDataset d(t.params);
  EXPECT_EQ(d.size(Split::train), 2);
  EXPECT_EQ(d.size(Split::val), 1);
  EXPECT_EQ(d.class_names().size(), 4u);

  const Sample a = d.get(Split::train, 0);
  ASSERT_EQ(a.height, 6);
  ASSERT_EQ(a.width, 5);
  const Image ai = VocTree::image(6, 5, 10);
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 5; ++x)
      for (int64_t c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(a.pixel(c, y, x), ai.at(y, x, c) / 255.0f);
  EXPECT_EQ(a.mask, VocTree::mask(6, 5, false).pixels);  // palette indices, not colours

  const Sample c = d.get(Split::train, 1);
  EXPECT_EQ(c.mask, VocTree::mask(3, 7, true).pixels);  // 255 (ignore) passes through

  const Sample b = d.get(Split::val, 0);
  EXPECT_EQ(b.channels, 3);
  for (float v : b.image) EXPECT_NEAR(v, 200 / 255.0f, 3 / 255.0f);  // JPEG: within 3 levels
  EXPECT_EQ(b.mask, VocTree::mask(4, 4, false).pixels);
}

TEST(FolderDataset, MissingFilesAreNamedWhenTheDatasetIsMade) {
  VocTree t;
  std::filesystem::remove(t.dir / "SegmentationClass/c.png");
  std::string e = error_of([&] { FolderDataset d(t.params); });
  EXPECT_TRUE(contains(e, "mask '" + (t.dir / "SegmentationClass/c.png") + "'") && contains(e, "train.txt")) << e;

  VocTree u;
  std::filesystem::remove(u.dir / "JPEGImages/b.png");
  e = error_of([&] { FolderDataset d(u.params); });
  EXPECT_TRUE(contains(e, "image '" + (u.dir / "JPEGImages/b.png") + "'")) << e;

  VocTree v;
  v.params.val_list = "nonesuch";
  e = error_of([&] { FolderDataset d(v.params); });
  EXPECT_TRUE(contains(e, "nonesuch.txt")) << e;

  FolderParams w;
  w.root = "/definitely/not/here";
  e = error_of([&] { FolderDataset d(w); });
  EXPECT_TRUE(contains(e, "/definitely/not/here")) << e;
}

TEST(FolderDataset, BadFilesAreNamedWhenRead) {
  VocTree t;
  // Size mismatch: both files named.
  write_png_indexed(t.dir / "SegmentationClass/a.png", VocTree::mask(5, 5, false), voc_palette());
  // An RGB mask, a corrupt image, an out-of-range label.
  write_png(t.dir / "SegmentationClass/b.png", VocTree::image(4, 4, 0));
  std::ofstream(t.dir / "JPEGImages/c.png") << "garbage";
  const FolderDataset d(t.params);
  std::string e = error_of([&] { d.get(Split::train, 0); });
  EXPECT_TRUE(contains(e, t.dir / "SegmentationClass/a.png") && contains(e, t.dir / "JPEGImages/a.png") &&
              contains(e, "5×5") && contains(e, "6×5"))
      << e;
  e = error_of([&] { d.get(Split::val, 0); });
  EXPECT_TRUE(contains(e, t.dir / "SegmentationClass/b.png") && contains(e, "palette or greyscale")) << e;
  e = error_of([&] { d.get(Split::train, 1); });
  EXPECT_TRUE(contains(e, t.dir / "JPEGImages/c.png")) << e;

  VocTree u;
  u.params.classes = 3;  // masks hold label 3
  const FolderDataset d3(u.params);
  e = error_of([&] { d3.get(Split::train, 0); });
  EXPECT_TRUE(contains(e, u.dir / "SegmentationClass/a.png") && contains(e, "label 3")) << e;
}

}  // namespace
}  // namespace atrous
