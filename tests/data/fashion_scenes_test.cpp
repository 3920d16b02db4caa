#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "data/fashion_scenes.hpp"
#include "data_test_support.hpp"

namespace atrous {
namespace {

using testing::contains;

bool installed() {
  return std::filesystem::exists(std::string(kFashionMnistRoot) + "/train-images-idx3-ubyte.gz") &&
         std::filesystem::exists(std::string(kFashionMnistRoot) + "/t10k-labels-idx1-ubyte.gz");
}

#define REQUIRE_FASHION_MNIST()                                                                              \
  if (!installed())                                                                                          \
  GTEST_SKIP() << "Fashion-MNIST is not installed under " << kFashionMnistRoot                               \
               << ": install the Debian package dataset-fashion-mnist (scripts/bootstrap) to run this test"

TEST(FashionScenes, ReadsTheRealIdxFiles) {
  REQUIRE_FASHION_MNIST();
  const FashionItems train = read_fashion_items(kFashionMnistRoot, Split::train);
  const FashionItems test = read_fashion_items(kFashionMnistRoot, Split::val);
  // Facts of the published dataset: 60000 + 10000 items, 6000 / 1000 per class;
  // the first ten training labels (read independently with Python's gzip).
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(train.pixels.size(), 60000u * 784u);
  std::vector<int64_t> per_class(10, 0);
  for (uint8_t l : train.labels) ++per_class[l];
  for (int64_t n : per_class) EXPECT_EQ(n, 6000);
  EXPECT_EQ(std::vector<uint8_t>(train.labels.begin(), train.labels.begin() + 10),
            (std::vector<uint8_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  EXPECT_EQ(test.labels[0], 9);
  int64_t sum = 0;
  for (int i = 0; i < 784; ++i) sum += train.pixels[size_t(i)];
  EXPECT_EQ(sum, 76247);  // pixel sum of the first training item (same Python reader)
}

TEST(FashionScenes, SceneHoldsAnItemWithItsClassAndThresholdedMask) {
  REQUIRE_FASHION_MNIST();
  FashionScenesParams p;
  p.height = p.width = 48;
  p.noise = 0.0;  // so the item's pixels can be found exactly
  p.train = {8, {1, 1}, {1.0, 1.0}};  // one item at its own 28×28 size
  const FashionScenesDataset d(p);
  const FashionItems& items = d.items(Split::train);
  for (int64_t s = 0; s < 8; ++s) {
    const Sample scene = d.get(Split::train, s);
    // Bounding box of the non-zero canvas = that of the item, shifted.
    int64_t y0 = 48, x0 = 48;
    for (int64_t y = 0; y < 48; ++y)
      for (int64_t x = 0; x < 48; ++x)
        if (scene.pixel(0, y, x) > 0) y0 = std::min(y0, y), x0 = std::min(x0, x);
    int64_t found = -1;
    for (int64_t i = 0; i < items.count && found < 0; ++i) {
      const uint8_t* px = items.pixels.data() + i * 784;
      int64_t iy0 = 28, ix0 = 28;
      for (int64_t k = 0; k < 784; ++k)
        if (px[k]) iy0 = std::min(iy0, k / 28), ix0 = std::min(ix0, k % 28);
      const int64_t top = y0 - iy0, left = x0 - ix0;
      if (top < 0 || left < 0 || top + 28 > 48 || left + 28 > 48) continue;
      bool same = true;
      for (int64_t k = 0; k < 784 && same; ++k)
        same = std::lround(scene.pixel(0, top + k / 28, left + k % 28) * 255.0f) == px[k];
      if (!same) continue;
      found = i;
      for (int64_t k = 0; k < 784; ++k) {
        const uint8_t expect = px[k] / 255.0f > p.threshold ? uint8_t(items.labels[size_t(i)] + 1) : 0;
        ASSERT_EQ(scene.label(top + k / 28, left + k % 28), expect) << "scene " << s << " item " << i;
      }
    }
    EXPECT_GE(found, 0) << "scene " << s << ": no training item found in it";
  }
}

TEST(FashionScenes, LabelsFollowIntensityAndSplitsDiffer) {
  REQUIRE_FASHION_MNIST();
  FashionScenesParams p;
  p.train.count = 30;
  p.val.count = 30;
  p.channels = 3;
  const FashionScenesDataset d(p);
  int64_t labelled = 0, bright = 0, background = 0, dark = 0;
  std::vector<int64_t> seen(11, 0);
  for (int64_t i = 0; i < 30; ++i) {
    const Sample s = d.get(Split::train, i);
    EXPECT_EQ(s.image, d.get(Split::train, i).image);  // deterministic
    EXPECT_NE(s.image, d.get(Split::val, i).image);
    for (int64_t k = 0; k < s.height * s.width; ++k) {
      const uint8_t l = s.mask[size_t(k)];
      ASSERT_LE(l, 10);
      ++seen[l];
      const float v = s.image[size_t(k)];
      EXPECT_EQ(v, s.image[size_t(2 * s.height * s.width + k)]);  // grey repeated
      // Noise is N(0, 0.03): 4 std = 0.12 leaves 3e-5 of the pixels beyond.
      if (l != 0) labelled++, bright += v > p.threshold - 0.12;
      else background++, dark += v < p.threshold + 0.12;
    }
  }
  EXPECT_GE(double(bright), 0.999 * double(labelled));
  EXPECT_GE(double(dark), 0.999 * double(background));
  EXPECT_GT(std::count_if(seen.begin() + 1, seen.end(), [](int64_t n) { return n > 0; }), 6);
  FashionScenesParams q = p;
  q.seed = 1;
  EXPECT_NE(FashionScenesDataset(q).get(Split::train, 0).image, d.get(Split::train, 0).image);
}

TEST(FashionScenes, MissingFilesNameThePackage) {
  FashionScenesParams p;
  p.root = "/nonexistent/fashion";
  const FashionScenesDataset d(p);  // files are read on first use
  try {
    d.get(Split::train, 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "dataset-fashion-mnist") && contains(e.what(), "/nonexistent/fashion")) << e.what();
  }
}

}  // namespace
}  // namespace atrous
