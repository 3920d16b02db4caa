// mu-law companding: decode(encode(x)) is within half a quantisation step of x
// (in the companded domain), every class survives decode → encode, and quiet
// samples get finer steps than loud ones.
#include <gtest/gtest.h>

#include <cmath>

#include "data/audio_sample.hpp"
#include "data/mu_law.hpp"

namespace atrous {
namespace {

double compand(double x) { return std::copysign(std::log1p(255.0 * std::abs(x)) / std::log1p(255.0), x); }

TEST(MuLaw, EveryClassSurvivesDecodeEncode) {
  for (int c = 0; c < 256; ++c) EXPECT_EQ(mu_law_encode(mu_law_decode(static_cast<uint8_t>(c))), c) << c;
}

TEST(MuLaw, DecodeOfEncodeIsWithinHalfAStep) {
  constexpr double half_step = 1.0 / 256;  // classes are 2/256 wide in the companded domain
  for (int i = -10000; i <= 10000; ++i) {
    const double x = i / 10000.0;
    const uint8_t c = mu_law_encode(static_cast<float>(x));
    EXPECT_LE(std::abs(compand(mu_law_decode(c)) - compand(x)), half_step + 1e-6) << x;
  }
  EXPECT_EQ(mu_law_encode(-1.0f), 0);
  EXPECT_EQ(mu_law_encode(1.0f), 255);
  EXPECT_EQ(mu_law_encode(5.0f), 255);  // clamped
  EXPECT_EQ(mu_law_encode(0.0f), 128);
  EXPECT_EQ(mu_law_encode(-1e-6f), 127);
  // Quiet samples: the error near 0 is far below the uniform 8-bit step (1/128).
  EXPECT_LT(std::abs(mu_law_decode(mu_law_encode(0.001f)) - 0.001f), 1e-4);
  EXPECT_GT(std::abs(mu_law_decode(129) - mu_law_decode(128)), 0);
  EXPECT_LT(mu_law_decode(129) - mu_law_decode(128), mu_law_decode(255) - mu_law_decode(254));
}

TEST(AudioSample, ImageIsTheCodeAndMaskTheNextCode) {
  const std::vector<uint8_t> codes = {0, 255, 128, 7};
  const Sample s = audio_sample(codes);
  EXPECT_EQ(s.channels, 1);
  EXPECT_EQ(s.height, 1);
  EXPECT_EQ(s.width, 3);
  EXPECT_EQ(s.mask, (std::vector<uint8_t>{255, 128, 7}));
  EXPECT_FLOAT_EQ(s.image[0], 0.5f / 256);
  EXPECT_FLOAT_EQ(s.image[1], 255.5f / 256);
  EXPECT_FLOAT_EQ(s.image[2], 128.5f / 256);
  EXPECT_EQ(mu_law_class_names().size(), 256u);
  EXPECT_EQ(mu_law_class_names()[255], "255");
}

}  // namespace
}  // namespace atrous
