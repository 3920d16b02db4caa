#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "core/rng.hpp"
#include "data/shapes.hpp"

namespace atrous {
namespace {

ShapesParams small_params(uint64_t seed) {
  ShapesParams p;
  p.seed = seed;
  p.train.count = 20;
  p.val.count = 10;
  return p;
}

TEST(Shapes, SameSeedSameBytesDifferentSeedDifferentBytes) {
  const ShapesDataset a(small_params(7)), b(small_params(7)), c(small_params(8));
  for (int64_t i = 0; i < 10; ++i) {
    const Sample x = a.get(Split::train, i), y = b.get(Split::train, i), z = c.get(Split::train, i);
    EXPECT_EQ(x.image, y.image) << i;
    EXPECT_EQ(x.mask, y.mask) << i;
    EXPECT_NE(x.image, z.image) << i;
  }
  // Splits and indices are different streams too.
  EXPECT_NE(a.get(Split::train, 0).image, a.get(Split::val, 0).image);
  EXPECT_NE(a.get(Split::train, 0).image, a.get(Split::train, 1).image);
}

TEST(Shapes, ImagesArePureFunctionsOfTheirIndex) {
  const ShapesDataset d(small_params(3));
  const Sample first = d.get(Split::train, 13);
  for (int64_t i = 19; i >= 0; --i) d.get(Split::train, i);  // other work in between, in another order
  const Sample again = d.get(Split::train, 13);
  EXPECT_EQ(first.image, again.image);
  EXPECT_EQ(first.mask, again.mask);
  // Growing the split does not change the images it already had.
  ShapesParams more = small_params(3);
  more.train.count = 500;
  EXPECT_EQ(ShapesDataset(more).get(Split::train, 13).image, first.image);
}

TEST(Shapes, ShapesHaveEqualAreas) {
  // Equal-area geometry: every kind covers pi r^2 pixels with r = size / 2; at size 40
  // the pixel count is within 2% of it (boundary pixels are in or out at their centre).
  for (int k = 1; k <= 5; ++k) {
    const ShapeSpec spec{static_cast<ShapeKind>(k), 50.3, 49.7, 40.0, 0.3};
    const Silhouette s = rasterize(spec);
    int64_t area = 0;
    for (uint8_t m : s.mask) area += m != 0;
    EXPECT_NEAR(double(area), std::numbers::pi * 400.0, 0.02 * std::numbers::pi * 400.0) << "kind " << k;
    // And it lies inside its extent circle.
    for (int64_t y = 0; y < s.height; ++y)
      for (int64_t x = 0; x < s.width; ++x)
        if (s.mask[size_t(y * s.width + x)]) {
          EXPECT_LE(std::hypot(s.left + x + 0.5 - spec.cx, s.top + y + 0.5 - spec.cy),
                    shape_extent(spec.kind) * 20.0 + 1e-9);
        }
  }
}

TEST(Shapes, MaskIsTheUnionOfTheObjectsWithoutOcclusion) {
  ShapesParams p = small_params(11);
  p.occlusion = 0.0;  // objects may not even touch
  p.classes = 6;
  p.train.objects = {2, 5};
  const ShapesDataset d(p);
  std::set<int> kinds;
  for (int64_t i = 0; i < 20; ++i) {
    const auto scene = d.scene(Split::train, i);
    std::vector<int> cover(size_t(p.height * p.width), 0);
    std::vector<uint8_t> expect(cover.size(), 0);
    for (const auto& o : scene.objects) {
      kinds.insert(int(o.kind));
      EXPECT_GE(o.size, p.train.size.first);
      EXPECT_LE(o.size, p.train.size.second);
      const Silhouette s = rasterize(o);
      for (int64_t y = 0; y < p.height; ++y)
        for (int64_t x = 0; x < p.width; ++x)
          if (s.covers(y, x)) {
            ++cover[size_t(y * p.width + x)];
            expect[size_t(y * p.width + x)] = uint8_t(o.kind);
          }
      // Whole objects: nothing of the silhouette falls off the image.
      EXPECT_GE(s.top, -1);
      EXPECT_GE(s.left, -1);
    }
    for (int c : cover) EXPECT_LE(c, 1) << "objects overlap in image " << i;
    EXPECT_EQ(scene.sample.mask, expect) << "image " << i;
  }
  EXPECT_EQ(kinds.size(), 5u);  // every kind appears
}

TEST(Shapes, ValidationUsesItsOwnSizeRange) {
  ShapesParams p = small_params(5);
  p.train.size = {8, 12};
  p.val.size = {30, 34};
  const ShapesDataset d(p);
  for (int64_t i = 0; i < 10; ++i) {
    for (const auto& o : d.scene(Split::train, i).objects) EXPECT_LE(o.size, 12.0);
    for (const auto& o : d.scene(Split::val, i).objects) EXPECT_GE(o.size, 30.0);
  }
}

TEST(Shapes, LabelsAndIntensitiesInRange) {
  const ShapesDataset d(small_params(2));
  std::vector<int64_t> seen(5, 0);
  for (int64_t i = 0; i < 20; ++i) {
    const Sample s = d.get(Split::train, i);
    EXPECT_EQ(s.channels, 3);
    EXPECT_EQ(s.height, 64);
    for (uint8_t m : s.mask) {
      ASSERT_LT(m, 5);
      ++seen[m];
    }
    for (float v : s.image) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
  }
  for (int64_t c = 0; c < 5; ++c) EXPECT_GT(seen[size_t(c)], 0) << "class " << c;
}

}  // namespace
}  // namespace atrous
