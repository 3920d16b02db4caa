#include "eval/evaluator.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "eval/eval_reference.hpp"

namespace atrous {
namespace {

// Labels: blobs of k classes with an ignored rectangle, per image.
std::vector<uint8_t> blob_labels(int64_t n, int64_t h, int64_t w, int k, uint64_t seed) {
  std::vector<uint8_t> out;
  for (int64_t b = 0; b < n; ++b) {
    auto m = testing::random_blobs(h, w, k, 6, seed + static_cast<uint64_t>(b));
    m.fill(0, 3, 0, 5, 255);
    out.insert(out.end(), m.v.begin(), m.v.end());
  }
  return out;
}

// Logits that mostly agree with the labels: one-hot(label) + noise, so that both
// the confusion matrix and the boundaries are non-trivial.
std::vector<float> noisy_logits(const std::vector<uint8_t>& labels, int64_t n, int64_t k, int64_t hw, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(n * k * hw));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < k; ++c)
      for (int64_t i = 0; i < hw; ++i) {
        const uint8_t l = labels[static_cast<size_t>(b * hw + i)];
        v[static_cast<size_t>((b * k + c) * hw + i)] =
            static_cast<float>((l == c ? 1.0 : 0.0) + rng.normal(0.0, 0.6));
      }
  return v;
}

TEST(EvalEvaluator, BlockedLogitsGiveTheMetricsOfTheNaivePipeline) {
  const int64_t n = 3, k = 5, h = 20, w = 17;
  const auto labels = blob_labels(n, h, w, static_cast<int>(k), 7);
  const auto logits = noisy_logits(labels, n, k, h * w, 8);
  const Tensor plain = Tensor::from_plain({n, k, h, w}, logits);
  Tensor blocked(md_t({n, k, h, w}, dnnl::memory::data_type::f32, tag::nChw16c));
  reorder(plain.memory(), blocked.memory());

  Evaluator ev({.num_classes = static_cast<int>(k)});
  ev.add(blocked, labels);
  const Metrics m = ev.metrics();

  // Naive pipeline: reference argmax, reference confusion counts, reference boundaries.
  const auto pred = testing::argmax_reference(logits, n, k, h, w);
  EXPECT_EQ(ev.confusion().counts(), testing::confusion_reference(pred, labels, static_cast<int>(k), 255));
  BoundaryCounts want;
  for (int64_t b = 0; b < n; ++b) {
    testing::LabelMap p(h, w), g(h, w);
    std::copy_n(pred.begin() + b * h * w, h * w, p.v.begin());
    std::copy_n(labels.begin() + b * h * w, h * w, g.v.begin());
    want += testing::boundary_reference(p, g, kDefaultBoundaryBand, 255);
  }
  ASSERT_TRUE(m.boundary.has_value());
  EXPECT_EQ(m.boundary->pred_matched, want.pred_matched);
  EXPECT_EQ(m.boundary->pred_total, want.pred_total);
  EXPECT_EQ(m.boundary->gt_matched, want.gt_matched);
  EXPECT_EQ(m.boundary->gt_total, want.gt_total);
  EXPECT_EQ(m.ignored_pixels, n * 3 * 5);
  // The noise makes this a non-trivial case.
  EXPECT_GT(m.pixel_acc, 0.3);
  EXPECT_LT(m.pixel_acc, 1.0);
  EXPECT_LT(m.boundary_f(), 1.0);

  // Two evaluators over halves of the data, merged, give the same metrics.
  Evaluator a({.num_classes = static_cast<int>(k)}), b({.num_classes = static_cast<int>(k)});
  a.add_predictions(std::span(pred).first(h * w), std::span(labels).first(h * w), 1, h, w);
  b.add_predictions(std::span(pred).subspan(h * w), std::span(labels).subspan(h * w), 2, h, w);
  a.merge(b);
  EXPECT_EQ(a.metrics().to_json(), m.to_json());
  a.reset();
  EXPECT_EQ(a.metrics().pixels, 0);
}

TEST(EvalEvaluator, BinaryModelAndValidation) {
  // One sigmoid channel, two classes.
  Evaluator ev({.num_classes = 2, .boundary = false});
  const std::vector<float> logits = {-1.0f, 2.0f, 3.0f, -4.0f};
  const std::vector<uint8_t> labels = {0, 1, 0, 255};
  ev.add(Tensor::from_plain({1, 1, 2, 2}, logits), labels);
  const Metrics m = ev.metrics();
  EXPECT_FALSE(m.boundary.has_value());
  EXPECT_EQ(ev.confusion().count(0, 0), 1);
  EXPECT_EQ(ev.confusion().count(1, 1), 1);
  EXPECT_EQ(ev.confusion().count(0, 1), 1);
  EXPECT_EQ(m.ignored_pixels, 1);
  EXPECT_DOUBLE_EQ(m.pixel_acc, 2.0 / 3.0);
  // Channels that do not fit the class count, or labels of the wrong size, are errors.
  EXPECT_THROW(ev.add(Tensor::plain({1, 3, 2, 2}), labels), Error);
  EXPECT_THROW(ev.add(Tensor::from_plain({1, 1, 2, 2}, logits), std::vector<uint8_t>{0, 1}), Error);
  EXPECT_EQ(ev.confusion().total(), 3);  // unchanged by the failed calls
}

}  // namespace
}  // namespace atrous
