// The likelihood in bits per sample: equal to the training loss's cross-entropy
// divided by ln 2 on the same logits; with 256 classes and no ignore label the
// class-255 samples count (in it and in the confusion matrix) — a test that
// fails if label 255 were still ignored there.
#include "eval/likelihood.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/tensor.hpp"
#include "eval/evaluator.hpp"
#include "train/loss.hpp"

namespace atrous {
namespace {

TEST(Likelihood, IsTheCrossEntropyInBits) {
  const int64_t n = 2, k = 256, h = 1, w = 50;
  Rng rng(3);
  std::vector<float> logits(static_cast<size_t>(n * k * h * w));
  for (float& v : logits) v = static_cast<float>(rng.normal(0.0, 2.0));
  std::vector<uint8_t> labels(static_cast<size_t>(n * h * w));
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = i % 5 == 0 ? 255 : static_cast<uint8_t>(rng.below(256));
  LikelihoodSum sum;
  sum.add(logits.data(), n, k, h, w, labels, -1);
  EXPECT_EQ(sum.count(), n * w);
  LossConfig cfg;
  cfg.ignore_index = -1;
  const LossValue loss = segmentation_loss(Tensor::from_plain({n, k, h, w}, logits), labels, cfg, nullptr);
  EXPECT_EQ(loss.pixels, n * w);
  EXPECT_NEAR(sum.bits_per_sample(), loss.ce / std::numbers::ln2, 1e-5);
  // Uniform logits: exactly 8 bits per sample over 256 classes.
  LikelihoodSum uniform;
  uniform.add(std::vector<float>(static_cast<size_t>(n * k * h * w), 0.3f).data(), n, k, h, w, labels, -1);
  EXPECT_NEAR(uniform.bits_per_sample(), 8.0, 1e-9);
  // With 255 as the ignore label those samples are left out.
  LikelihoodSum ignoring;
  ignoring.add(logits.data(), n, k, h, w, labels, 255);
  EXPECT_EQ(ignoring.count(), n * w - n * w / 5);
  EXPECT_TRUE(std::isnan(LikelihoodSum{}.bits_per_sample()));
}

TEST(Likelihood, EvaluatorCountsClass255WithoutIgnoreLabel) {
  // Every label is 255 and the logits predict it: accuracy 1, a low likelihood cost.
  const int64_t n = 1, k = 256, w = 8;
  std::vector<float> logits(static_cast<size_t>(n * k * w), 0.0f);
  for (int64_t t = 0; t < w; ++t) logits[static_cast<size_t>(255 * w + t)] = 20.0f;
  const std::vector<uint8_t> labels(static_cast<size_t>(w), 255);
  EvalOptions o;
  o.num_classes = 256;
  o.ignore_label = -1;
  o.boundary = false;
  o.likelihood = true;
  Evaluator e(o);
  e.add(Tensor::from_plain({n, k, 1, w}, logits), labels);
  const Metrics m = e.metrics();
  EXPECT_EQ(m.pixels, w);
  EXPECT_EQ(m.ignored_pixels, 0);
  EXPECT_DOUBLE_EQ(m.pixel_acc, 1.0);
  ASSERT_TRUE(m.bits_per_sample.has_value());
  EXPECT_LT(*m.bits_per_sample, 1e-4);
  EXPECT_TRUE(m.to_json().contains("bits_per_sample"));
  // A label beyond the classes is an error that leaves the counts unchanged.
  o.num_classes = 10;
  Evaluator small(o);
  const std::vector<float> ten(10 * 2, 0.0f);
  EXPECT_THROW(small.add(Tensor::from_plain({1, 10, 1, 2}, ten), std::vector<uint8_t>{3, 12}), Error);
  EXPECT_EQ(small.metrics().pixels, 0);
}

TEST(Likelihood, SegmentationEvaluatorsWriteNoBitsPerSample) {
  EvalOptions o;
  o.num_classes = 3;
  Evaluator e(o);
  e.add(Tensor::from_plain({1, 3, 1, 2}, std::vector<float>(6, 0.0f)), std::vector<uint8_t>{0, 255});
  EXPECT_FALSE(e.metrics().bits_per_sample.has_value());
  EXPECT_FALSE(e.metrics().to_json().contains("bits_per_sample"));
  EXPECT_EQ(e.metrics().ignored_pixels, 1);
}

}  // namespace
}  // namespace atrous
