#include "eval/confusion_matrix.hpp"

#include <gtest/gtest.h>

#include "core/context.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "eval/eval_reference.hpp"

namespace atrous {
namespace {

// Random (prediction, label) maps with a share of ignored pixels.
void random_maps(size_t n, int k, uint64_t seed, std::vector<uint8_t>& pred, std::vector<uint8_t>& label) {
  Rng rng(seed);
  pred.resize(n);
  label.resize(n);
  for (size_t i = 0; i < n; ++i) {
    pred[i] = static_cast<uint8_t>(rng.below(static_cast<uint64_t>(k)));
    label[i] = rng.below(10) == 0 ? 255 : static_cast<uint8_t>(rng.below(static_cast<uint64_t>(k)));
  }
}

TEST(EvalConfusionMatrix, CountsMatchNaiveLoopOnLargeParallelInput) {
  // 300k pixels: above the parallel threshold, so several threads count and merge.
  std::vector<uint8_t> pred, label;
  random_maps(300'000, 7, 1, pred, label);
  ConfusionMatrix cm(7);
  cm.add(pred, label);
  const auto expected = testing::confusion_reference(pred, label, 7, 255);
  EXPECT_EQ(cm.counts(), expected);  // exact: integer counts
  int64_t ignored = 0;
  for (auto l : label) ignored += l == 255;
  EXPECT_EQ(cm.ignored(), ignored);
  EXPECT_EQ(cm.total() + cm.ignored(), 300'000);
}

TEST(EvalConfusionMatrix, SameResultForAnyThreadCount) {
  std::vector<uint8_t> pred, label;
  random_maps(200'000, 5, 2, pred, label);
  const int saved = thread_count();
  set_threads(1);
  ConfusionMatrix serial(5);
  serial.add(pred, label);
  set_threads(3);  // more threads than cores is fine and exercises uneven slices
  ConfusionMatrix parallel(5);
  parallel.add(pred, label);
  set_threads(saved);
  EXPECT_EQ(serial.counts(), parallel.counts());
  EXPECT_EQ(serial.ignored(), parallel.ignored());
}

TEST(EvalConfusionMatrix, MergeEqualsAddingEverything) {
  std::vector<uint8_t> pred, label;
  random_maps(1000, 4, 3, pred, label);
  ConfusionMatrix whole(4), a(4), b(4);
  whole.add(pred, label);
  a.add(std::span(pred).first(400), std::span(label).first(400));
  b.add(std::span(pred).subspan(400), std::span(label).subspan(400));
  a.merge(b);
  EXPECT_EQ(a.counts(), whole.counts());
  EXPECT_EQ(a.ignored(), whole.ignored());
  EXPECT_THROW(a.merge(ConfusionMatrix(5)), Error);
  EXPECT_THROW(a.merge(ConfusionMatrix(4, kNoIgnoreLabel)), Error);
}

TEST(EvalConfusionMatrix, RowIsLabelColumnIsPrediction) {
  ConfusionMatrix cm(3);
  const std::vector<uint8_t> pred = {2, 2, 0, 1, 7}, label = {0, 0, 1, 1, 255};
  cm.add(pred, label);  // prediction 7 sits on an ignored pixel: not counted, not an error
  EXPECT_EQ(cm.count(0, 2), 2);
  EXPECT_EQ(cm.count(1, 0), 1);
  EXPECT_EQ(cm.count(1, 1), 1);
  EXPECT_EQ(cm.total(), 4);
  EXPECT_EQ(cm.ignored(), 1);
  EXPECT_EQ(cm.label_count(0), 2);
  EXPECT_EQ(cm.prediction_count(2), 2);
  cm.reset();
  EXPECT_EQ(cm.total(), 0);
  EXPECT_EQ(cm.ignored(), 0);
}

TEST(EvalConfusionMatrix, InvalidValuesThrowAndLeaveCountsUnchanged) {
  ConfusionMatrix cm(3);
  const std::vector<uint8_t> ok = {0, 1};
  cm.add(ok, ok);
  const auto before = cm.counts();
  const std::vector<uint8_t> bad_label = {0, 3}, bad_pred = {0, 255};
  EXPECT_THROW(cm.add(ok, bad_label), Error);
  EXPECT_THROW(cm.add(bad_pred, ok), Error);
  EXPECT_THROW(cm.add(ok, std::vector<uint8_t>{0}), Error);
  EXPECT_EQ(cm.counts(), before);
  EXPECT_EQ(cm.ignored(), 0);
  try {
    cm.add(ok, bad_label);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label 3"), std::string::npos) << e.what();
  }
}

TEST(EvalConfusionMatrix, ValidatesClassesAndIgnoreLabel) {
  EXPECT_THROW(ConfusionMatrix(0), Error);
  EXPECT_THROW(ConfusionMatrix(257, kNoIgnoreLabel), Error);
  EXPECT_THROW(ConfusionMatrix(256), Error);      // 255 would be both a class and ignored
  EXPECT_THROW(ConfusionMatrix(10, 3), Error);    // ignore label inside the classes
  EXPECT_NO_THROW(ConfusionMatrix(256, kNoIgnoreLabel));
  ConfusionMatrix no_ignore(2, kNoIgnoreLabel);
  const std::vector<uint8_t> v = {0, 1, 255};
  EXPECT_THROW(no_ignore.add(v, v), Error);  // 255 is an ordinary (invalid) value without an ignore label
}

}  // namespace
}  // namespace atrous
