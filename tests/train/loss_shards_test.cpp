// Data-parallel loss (LossConfig::reduce_totals): two shards of a batch whose
// reducer sums their totals must give the whole batch's loss, and each shard's
// logit gradient must be its slice of the whole batch's gradient — also when
// ignored pixels make the shards' pixel counts differ, with class weights and Dice.
#include <gtest/gtest.h>

#include <thread>

#include "core/rng.hpp"
#include "support/gradient_checker.hpp"
#include "support/thread_allreduce.hpp"
#include "train/loss.hpp"

namespace atrous {
namespace {

Tensor images(const Tensor& plain, int64_t first, int64_t count) {
  const Dims d = plain.dims();
  const int64_t per = d[1] * d[2] * d[3];
  const auto v = plain.to_vector();
  return Tensor::from_plain({count, d[1], d[2], d[3]},
                            std::vector<float>(v.begin() + first * per, v.begin() + (first + count) * per));
}

struct Case {
  const char* label;
  int64_t classes;
  double ce_weight, dice_weight;
  std::vector<float> class_weights;
};

class LossShards : public ::testing::TestWithParam<Case> {};

TEST_P(LossShards, TwoShardsGiveTheWholeBatchLossAndGradient) {
  const Case& c = GetParam();
  const int64_t n = 4, h = 5, w = 7, hw = h * w;
  const Tensor logits = testing::random_tensor({n, c.classes, h, w}, 3, -2.f, 2.f);
  // Image 0 mostly ignored, image 3 not at all: the shards' counts differ a lot.
  Rng rng(5);
  std::vector<uint8_t> labels(static_cast<size_t>(n * hw));
  const uint64_t label_range = c.classes == 1 ? 2 : static_cast<uint64_t>(c.classes);
  for (int64_t i = 0; i < n * hw; ++i) {
    const bool ignored = (i < hw && i % 5 != 0) || (i >= hw && i < 2 * hw && i % 3 == 0);
    labels[static_cast<size_t>(i)] = ignored ? 255 : static_cast<uint8_t>(rng.below(label_range));
  }
  LossConfig cfg;
  cfg.ce_weight = c.ce_weight;
  cfg.dice_weight = c.dice_weight;
  cfg.class_weights = c.class_weights;

  Tensor whole_grad;
  const LossValue whole = LossWorkspace().compute(logits, labels, cfg, &whole_grad);
  const auto want = whole_grad.to_vector();

  testing::ThreadAllreduce allreduce(2);
  LossConfig shard_cfg = cfg;
  shard_cfg.reduce_totals = [&allreduce](std::span<double> totals) { allreduce(totals); };
  LossValue got[2];
  Tensor grads[2];
  auto run_shard = [&](int s) {
    const int64_t first = s * n / 2;
    const std::span<const uint8_t> shard(labels.data() + first * hw, static_cast<size_t>(n / 2 * hw));
    got[s] = LossWorkspace().compute(images(logits, first, n / 2), shard, shard_cfg, &grads[s]);
  };
  std::thread other(run_shard, 1);
  run_shard(0);
  other.join();

  for (const LossValue& v : got) {
    EXPECT_NEAR(v.total, whole.total, 1e-9 * std::max(1.0, whole.total));
    EXPECT_NEAR(v.ce, whole.ce, 1e-9 * std::max(1.0, whole.ce));
    EXPECT_NEAR(v.dice, whole.dice, 1e-9);
    EXPECT_EQ(v.pixels, whole.pixels);
  }
  std::vector<float> joined = grads[0].to_vector();
  const auto second = grads[1].to_vector();
  joined.insert(joined.end(), second.begin(), second.end());
  ASSERT_EQ(joined.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(joined[i], want[i], 1e-7) << "gradient element " << i;
}

INSTANTIATE_TEST_SUITE_P(Loss, LossShards,
                         ::testing::Values(Case{"ce", 4, 1.0, 0.0, {}},
                                           Case{"weighted_ce_and_dice", 3, 1.0, 0.5, {0.5f, 2.f, 1.f}},
                                           Case{"binary_bce_and_dice", 1, 1.0, 1.0, {1.f, 3.f}}),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace atrous
