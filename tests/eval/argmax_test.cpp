#include "eval/argmax.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "eval/eval_reference.hpp"

namespace atrous {
namespace {

// Logits all below zero: the zero padding of a blocked layout (channels K..15 of
// the last block) would win any argmax that read the physical buffer directly.
std::vector<float> negative_logits(int64_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(count));
  for (auto& x : v) x = static_cast<float>(rng.uniform(-10.0, -0.1));
  return v;
}

Tensor blocked_copy(const Tensor& plain) {
  Tensor blocked(md_t(plain.dims(), dnnl::memory::data_type::f32, tag::nChw16c));
  reorder(plain.memory(), blocked.memory());
  return blocked;
}

TEST(EvalArgmax, BlockedLayoutEqualsPlainAndNaiveReference) {
  for (int64_t k : {3, 16, 19}) {
    SCOPED_TRACE(k);
    const Dims dims = {2, k, 7, 9};
    const auto values = negative_logits(product(dims), static_cast<uint64_t>(k));
    const Tensor plain = Tensor::from_plain(dims, values);
    const Tensor blocked = blocked_copy(plain);
    ASSERT_FALSE(is_plain(blocked.desc()));
    if (k % 16) {  // padded channels
      ASSERT_GT(blocked.physical_size(), static_cast<size_t>(product(dims)));
    }
    const auto from_plain = argmax_labels(plain);
    EXPECT_EQ(argmax_labels(blocked), from_plain);
    EXPECT_EQ(from_plain, testing::argmax_reference(values, 2, k, 7, 9));
    // Not a degenerate all-zero answer: several classes occur.
    EXPECT_GT(std::count_if(from_plain.begin(), from_plain.end(), [](uint8_t c) { return c > 0; }), 10);
  }
}

TEST(EvalArgmax, SingleChannelIsBinaryThresholdAtZero) {
  const Dims dims = {1, 1, 2, 3};
  const std::vector<float> values = {-1.0f, 0.0f, 0.5f, 3.0f, -0.0f, 1e-6f};
  const auto want = std::vector<uint8_t>{0, 0, 1, 1, 0, 1};
  const Tensor plain = Tensor::from_plain(dims, values);
  EXPECT_EQ(argmax_labels(plain), want);
  EXPECT_EQ(argmax_labels(blocked_copy(plain)), want);
  EXPECT_EQ(classes_for_logits(1), 2);
  EXPECT_EQ(classes_for_logits(19), 19);
}

TEST(EvalArgmax, TiesGoToTheLowestClass) {
  // Pixel 0: all equal → 0; pixel 1: classes 1 and 2 tie above 0 → 1.
  const std::vector<float> values = {1.0f, 0.0f, 1.0f, 5.0f, 1.0f, 5.0f};  // N=1, K=3, H=1, W=2
  EXPECT_EQ(argmax_labels(values.data(), 1, 3, 1, 2), (std::vector<uint8_t>{0, 1}));
}

TEST(EvalArgmax, RejectsBadShapes) {
  EXPECT_THROW(argmax_labels(Tensor::plain({2, 3, 4})), Error);
  std::vector<float> v(257);
  EXPECT_THROW(argmax_labels(v.data(), 1, 257, 1, 1), Error);  // not a uint8 class
}

// 256 channels are an audio model's mu-law classes: the last one is class 255.
TEST(EvalArgmax, TwoHundredFiftySixClassesReachClass255) {
  std::vector<float> v(256 * 2, 0.0f);  // N=1, K=256, H=1, W=2
  v[255 * 2 + 0] = 1.0f;
  v[7 * 2 + 1] = 1.0f;
  EXPECT_EQ(argmax_labels(v.data(), 1, 256, 1, 2), (std::vector<uint8_t>{255, 7}));
}

}  // namespace
}  // namespace atrous
