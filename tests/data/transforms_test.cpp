#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/rng.hpp"
#include "data/transforms.hpp"

namespace atrous {
namespace {

// The alignment probe: channel 0 holds x + kOffset, channel 1 holds y + kOffset,
// channel 2 holds 1, and the mask holds label_at(x, y), a label that changes at
// every pixel. Bilinear interpolation reproduces linear functions exactly, so
// after any chain of transforms each pixel's channels 0 and 1 say which source
// coordinate it was sampled at, and its mask must carry the label of the source
// pixel nearest to that coordinate. Channel 2 is 1 on content and the pad value
// elsewhere, which tells padding apart.
constexpr float kOffset = 10.0f;

uint8_t label_at(int64_t x, int64_t y) { return static_cast<uint8_t>((x * 7 + y * 13) % 11); }

Sample probe(int64_t h, int64_t w) {
  Sample s(3, h, w);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      s.pixel(0, y, x) = float(x) + kOffset;
      s.pixel(1, y, x) = float(y) + kOffset;
      s.pixel(2, y, x) = 1.0f;
      s.label(y, x) = label_at(x, y);
    }
  return s;
}

// The source indices a coordinate may round to: one, or both at a tie (x.5).
std::vector<int64_t> nearest(double coordinate) {
  const double f = coordinate - std::floor(coordinate);
  if (std::abs(f - 0.5) < 1e-3) return {int64_t(std::floor(coordinate)), int64_t(std::floor(coordinate)) + 1};
  return {int64_t(std::lround(coordinate))};
}

struct Checked {
  int64_t content = 0, padding = 0;
};

// Checks every pixel of a transformed probe; with normalisation undone by the caller.
void check_aligned(const Sample& t, int64_t src_h, int64_t src_w, float pad_value, const std::string& what,
                   Checked& n) {
  for (int64_t y = 0; y < t.height; ++y)
    for (int64_t x = 0; x < t.width; ++x) {
      const uint8_t label = t.label(y, x);
      if (std::abs(t.pixel(2, y, x) - 1.0f) > 1e-4f) {
        // Padding: the whole pixel is padding, and ignored. (1e-6: normalising and
        // undoing it in float.)
        EXPECT_EQ(label, kIgnoreLabel) << what << " at " << y << "," << x;
        for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(t.pixel(c, y, x), pad_value, 1e-6) << what;
        ++n.padding;
        continue;
      }
      const double sx = t.pixel(0, y, x) - kOffset, sy = t.pixel(1, y, x) - kOffset;
      ASSERT_GE(sx, -1e-4) << what;
      ASSERT_LE(sx, src_w - 1 + 1e-4) << what;
      ASSERT_GE(sy, -1e-4) << what;
      ASSERT_LE(sy, src_h - 1 + 1e-4) << what;
      bool match = false;
      for (int64_t ix : nearest(sx))
        for (int64_t iy : nearest(sy)) match = match || label == label_at(ix, iy);
      ASSERT_TRUE(match) << what << ": pixel (" << y << ", " << x << ") sampled source (" << sy << ", " << sx
                         << ") but has label " << int(label);
      ++n.content;
    }
}

void denormalize(Sample& s, const Normalize& n) {
  for (int64_t c = 0; c < s.channels; ++c)
    for (int64_t i = 0; i < s.height * s.width; ++i) {
      float& v = s.image[size_t(c * s.height * s.width + i)];
      v = float(v * n.std_of(c) + n.mean_of(c));
    }
}

struct Chain {
  const char* name;
  Augment augment;
};

std::vector<Chain> chains() {
  std::vector<Chain> out;
  out.push_back({"identity", {}});
  Augment a;
  a.flip = true;
  out.push_back({"flip", a});
  a = {};
  a.scales = {0.5, 0.75, 1.3, 2.0};
  out.push_back({"scales", a});
  a = {};
  a.scale_range = {{0.4, 2.5}};
  out.push_back({"scale_range", a});
  a = {};
  a.crop = {{16, 12}};
  out.push_back({"crop_smaller", a});
  a = {};
  a.crop = {{40, 50}};
  out.push_back({"crop_larger_pads", a});
  a = {};
  a.crop = {{20, 40}};
  out.push_back({"crop_mixed", a});
  a = {};
  a.scale_range = {{0.5, 2.0}};
  a.crop = {{24, 24}};
  a.flip = true;
  out.push_back({"scale_crop_flip", a});
  a.pad = PadMode::zero;
  out.push_back({"scale_crop_flip_zero_pad", a});
  return out;
}

TEST(Transforms, MaskStaysAlignedWithImageUnderEveryChain) {
  for (const auto& chain : chains()) {
    for (auto [h, w] : {std::pair<int64_t, int64_t>{21, 30}, {32, 17}}) {
      Checked total;
      for (uint64_t seed = 0; seed < 40; ++seed) {
        TransformConfig cfg{chain.augment, {}};
        // A normalisation that is not the identity, undone before checking.
        cfg.normalize.mean = {0.5, -1.0, 0.25};
        cfg.normalize.std = {2.0, 0.5, 4.0};
        Rng rng(seed);
        Sample t = apply_transforms(probe(h, w), cfg, rng);
        if (chain.augment.crop) {
          EXPECT_EQ(t.height, chain.augment.crop->first);
          EXPECT_EQ(t.width, chain.augment.crop->second);
        }
        denormalize(t, cfg.normalize);
        // Mean padding is the mean colour; zero padding is raw 0 — after undoing
        // normalisation the padded value is then channel-dependent for "mean".
        if (chain.augment.pad == PadMode::zero) {
          check_aligned(t, h, w, 0.0f, std::string(chain.name) + " seed " + std::to_string(seed), total);
        } else {
          // Replace mean padding by a sentinel (channel 2's mean is 0.25, never 1) before checking.
          for (int64_t i = 0; i < t.height * t.width; ++i)
            if (std::abs(t.image[size_t(2 * t.height * t.width + i)] - 0.25f) < 1e-6f)
              for (int64_t c = 0; c < 3; ++c) {
                const float expect = float(cfg.normalize.mean[size_t(c)]);
                EXPECT_NEAR(t.image[size_t(c * t.height * t.width + i)], expect, 1e-5) << chain.name;
                t.image[size_t(c * t.height * t.width + i)] = -7.0f;
              }
          check_aligned(t, h, w, -7.0f, std::string(chain.name) + " seed " + std::to_string(seed), total);
        }
      }
      EXPECT_GT(total.content, 0) << chain.name;
      if (std::string(chain.name) == "crop_larger_pads") {
        EXPECT_GT(total.padding, 0);
      }
      if (!chain.augment.crop) {
        EXPECT_EQ(total.padding, 0) << chain.name;
      }
    }
  }
}

TEST(Transforms, FlipMirrorsAndScaleSetsSize) {
  Sample s = probe(5, 8);
  Sample f = flip_sample(s);
  for (int64_t y = 0; y < 5; ++y)
    for (int64_t x = 0; x < 8; ++x) {
      EXPECT_EQ(f.label(y, x), label_at(7 - x, y));
      EXPECT_EQ(f.pixel(0, y, x), float(7 - x) + kOffset);
    }
  const Sample up = scale_sample(s, 1.5);
  EXPECT_EQ(up.height, 8);  // round(7.5) = 8 (half away from zero)
  EXPECT_EQ(up.width, 12);
  const Sample down = scale_sample(s, 0.1);
  EXPECT_EQ(down.height, 1);  // never empty
  EXPECT_EQ(down.width, 1);
}

TEST(Transforms, CropPadsWithIgnoreAndPadValues) {
  const Sample s = probe(4, 4);
  const Sample c = crop_sample(s, -2, 1, 6, 5, {-1.0f, -2.0f, -3.0f});
  ASSERT_EQ(c.height, 6);
  ASSERT_EQ(c.width, 5);
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 5; ++x) {
      const int64_t sy = y - 2, sx = x + 1;
      const bool inside = sy >= 0 && sy < 4 && sx < 4;
      EXPECT_EQ(c.label(y, x), inside ? label_at(sx, sy) : kIgnoreLabel);
      EXPECT_EQ(c.pixel(1, y, x), inside ? float(sy) + kOffset : -2.0f);
    }
}

TEST(Transforms, NormalizeMatchesFormula) {
  Sample s = probe(3, 3);
  Normalize n;
  n.mean = {1.0, 2.0, 3.0};
  n.std = {0.5, 2.0, 0.25};
  const Sample before = s;
  normalize_sample(s, n);
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < 9; ++i)
      // |error| <= 1e-5: one float subtraction and multiplication of values below 20.
      EXPECT_NEAR(s.image[size_t(c * 9 + i)], (before.image[size_t(c * 9 + i)] - n.mean[size_t(c)]) / n.std[size_t(c)],
                  1e-5);
  EXPECT_EQ(s.mask, before.mask);
}

TEST(Transforms, SameRngSameResultAndAllChoicesReached) {
  TransformConfig cfg;
  cfg.augment.scales = {0.5, 1.0, 2.0};
  cfg.augment.crop = {{8, 8}};
  cfg.augment.flip = true;
  std::set<int64_t> sizes_seen;
  int flips = 0;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    Rng a(seed), b(seed);
    const Sample x = apply_transforms(probe(12, 12), cfg, a), y = apply_transforms(probe(12, 12), cfg, b);
    EXPECT_EQ(x.image, y.image);
    EXPECT_EQ(x.mask, y.mask);
    Rng r(seed);
    sizes_seen.insert(std::llround(12 * cfg.augment.draw_scale(r)));
    // A flipped probe has x decreasing along rows.
    flips += x.pixel(2, 0, 0) == 1.0f && x.pixel(2, 0, 1) == 1.0f && x.pixel(0, 0, 1) < x.pixel(0, 0, 0);
  }
  EXPECT_EQ(sizes_seen.size(), 3u);
  EXPECT_GT(flips, 5);
}

}  // namespace
}  // namespace atrous
