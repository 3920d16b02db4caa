#include "eval/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "eval/metrics_table.hpp"

namespace atrous {
namespace {

// All expected values below are worked out by hand from the matrix in the test;
// the metrics are a handful of double divisions, so 1e-12 is ample.
constexpr double kTol = 1e-12;

// Fills a ConfusionMatrix through add() with counts[l][p] pixels of label l
// predicted as p, plus `ignored` pixels labelled 255 whose predictions cycle
// through all classes (they must not count anywhere).
ConfusionMatrix from_counts(const std::vector<std::vector<int>>& counts, int ignored = 0) {
  const int k = static_cast<int>(counts.size());
  std::vector<uint8_t> pred, label;
  for (int l = 0; l < k; ++l)
    for (int p = 0; p < k; ++p)
      for (int i = 0; i < counts[l][p]; ++i) {
        label.push_back(static_cast<uint8_t>(l));
        pred.push_back(static_cast<uint8_t>(p));
      }
  for (int i = 0; i < ignored; ++i) {
    label.push_back(255);
    pred.push_back(static_cast<uint8_t>(i % k));
  }
  ConfusionMatrix cm(k);
  cm.add(pred, label);
  return cm;
}

TEST(EvalMetrics, HandComputedWithAbsentClassAndIgnoredPixels) {
  // rows = label, columns = prediction
  //        p0 p1 p2 p3 p4   label count
  // g0  [  6, 2, 1, 0, 0 ]   9
  // g1  [  1, 3, 0, 0, 0 ]   4
  // g2  [  0, 0, 0, 0, 0 ]   0   predicted once, never present: IoU = Dice = 0, accuracy undefined
  // g3  [  0, 2, 0, 4, 0 ]   6
  // g4  [  0, 0, 0, 0, 0 ]   0   absent from labels and predictions: NaN everywhere
  // prediction counts: 7, 7, 1, 4, 0; total 19; correct 6 + 3 + 4 = 13.
  // 5 ignored pixels are predicted as 0..4, including class 4: they must not make it "present".
  const auto cm = from_counts({{6, 2, 1, 0, 0}, {1, 3, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 2, 0, 4, 0}, {0, 0, 0, 0, 0}},
                              5);
  const Metrics m = compute_metrics(cm);
  EXPECT_EQ(m.num_classes, 5);
  EXPECT_EQ(m.pixels, 19);
  EXPECT_EQ(m.ignored_pixels, 5);
  EXPECT_NEAR(m.pixel_acc, 13.0 / 19.0, kTol);

  const double acc[] = {6.0 / 9.0, 3.0 / 4.0, NAN, 4.0 / 6.0, NAN};
  const double iou[] = {6.0 / (9 + 7 - 6), 3.0 / (4 + 7 - 3), 0.0 / (0 + 1 - 0), 4.0 / (6 + 4 - 4), NAN};
  const double dice[] = {12.0 / (9 + 7), 6.0 / (4 + 7), 0.0 / (0 + 1), 8.0 / (6 + 4), NAN};
  ASSERT_EQ(m.iou_per_class.size(), 5u);
  auto expect_value = [](double got, double want) {
    if (std::isnan(want))
      EXPECT_TRUE(std::isnan(got)) << got;
    else
      EXPECT_NEAR(got, want, kTol);
  };
  for (int c = 0; c < 5; ++c) {
    SCOPED_TRACE(c);
    expect_value(m.acc_per_class[c], acc[c]);
    expect_value(m.iou_per_class[c], iou[c]);
    expect_value(m.dice_per_class[c], dice[c]);
  }
  // nanmeans: accuracy over the 3 labelled classes, IoU/Dice over the 4 that occur somewhere.
  EXPECT_NEAR(m.mean_acc, (6.0 / 9 + 3.0 / 4 + 4.0 / 6) / 3, kTol);
  EXPECT_NEAR(m.miou, (0.6 + 0.375 + 0.0 + 4.0 / 6) / 4, kTol);
  EXPECT_NEAR(m.dice, (0.75 + 6.0 / 11 + 0.0 + 0.8) / 4, kTol);
  // frequency-weighted over labelled classes: Σ (label count / 19) · IoU
  EXPECT_NEAR(m.fwiou, 9.0 / 19 * 0.6 + 4.0 / 19 * 0.375 + 6.0 / 19 * (4.0 / 6), kTol);
  EXPECT_FALSE(m.boundary.has_value());
  EXPECT_TRUE(std::isnan(m.boundary_f()));
}

TEST(EvalMetrics, PerfectPredictionScoresOneAndSkipsAbsentClass) {
  const Metrics m = compute_metrics(from_counts({{5, 0, 0}, {0, 0, 0}, {0, 0, 7}}));
  EXPECT_EQ(m.pixel_acc, 1.0);
  EXPECT_EQ(m.mean_acc, 1.0);
  EXPECT_EQ(m.miou, 1.0);  // class 1 (absent) does not pull the mean down to 2/3
  EXPECT_EQ(m.fwiou, 1.0);
  EXPECT_EQ(m.dice, 1.0);
  EXPECT_TRUE(std::isnan(m.iou_per_class[1]));
  EXPECT_TRUE(std::isnan(m.dice_per_class[1]));
}

TEST(EvalMetrics, AllWrongScoresZero) {
  // Every pixel of class 0 predicted 1 and vice versa.
  const Metrics m = compute_metrics(from_counts({{0, 3}, {4, 0}}));
  EXPECT_EQ(m.pixel_acc, 0.0);
  EXPECT_EQ(m.mean_acc, 0.0);
  EXPECT_EQ(m.miou, 0.0);
  EXPECT_EQ(m.fwiou, 0.0);
  EXPECT_EQ(m.dice, 0.0);
  for (double v : m.iou_per_class) EXPECT_EQ(v, 0.0);
}

TEST(EvalMetrics, OnlyIgnoredPixelsGiveNaNAndJsonNulls) {
  const Metrics m = compute_metrics(from_counts({{0, 0}, {0, 0}}, 4));
  EXPECT_EQ(m.pixels, 0);
  EXPECT_EQ(m.ignored_pixels, 4);
  EXPECT_TRUE(std::isnan(m.pixel_acc));
  EXPECT_TRUE(std::isnan(m.miou));
  EXPECT_TRUE(std::isnan(m.fwiou));
  const auto j = m.to_json();
  EXPECT_TRUE(j["miou"].is_null());
  EXPECT_TRUE(j["iou_per_class"][0].is_null());
  EXPECT_EQ(j.dump().find("NaN"), std::string::npos);
}

TEST(EvalMetrics, JsonHasAllKeysAndBoundaryWhenComputed) {
  const auto cm = from_counts({{6, 2}, {1, 3}});
  BoundaryFScore bf(2);
  // One 1×4 image: label 0 0 1 1, prediction 0 1 1 1 → boundaries {1,2} vs {0,1}, band 2 matches all.
  const std::vector<uint8_t> label = {0, 0, 1, 1}, pred = {0, 1, 1, 1};
  bf.add(pred, label, 1, 1, 4);
  const Metrics m = compute_metrics(cm, bf);
  const auto j = m.to_json();
  for (const char* key : {"pixel_acc", "mean_acc", "miou", "fwiou", "dice", "acc_per_class", "iou_per_class",
                          "dice_per_class", "num_classes", "pixels", "ignored_pixels", "boundary_f",
                          "boundary_precision", "boundary_recall", "boundary_band", "boundary_counts"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_DOUBLE_EQ(j["miou"].get<double>(), m.miou);
  EXPECT_EQ(j["iou_per_class"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["iou_per_class"][1].get<double>(), 3.0 / (4 + 5 - 3));
  EXPECT_EQ(j["boundary_band"].get<int>(), 2);
  EXPECT_EQ(j["boundary_f"].get<double>(), 1.0);
  EXPECT_EQ(j["boundary_counts"]["pred_total"].get<int64_t>(), 2);
  EXPECT_FALSE(compute_metrics(cm).to_json().contains("boundary_f"));
}

TEST(EvalMetrics, TablePrintsSummaryAndOneRowPerClass) {
  const auto cm = from_counts({{6, 2, 0}, {1, 3, 0}, {0, 0, 0}});
  const std::string t = format_metrics_table(compute_metrics(cm), {"road", "car", "sky"});
  EXPECT_NE(t.find("mIoU"), std::string::npos) << t;
  EXPECT_NE(t.find("0 road"), std::string::npos) << t;
  EXPECT_NE(t.find("2 sky"), std::string::npos) << t;
  EXPECT_NE(t.find("75.00"), std::string::npos) << t;  // pixel accuracy (6 + 3) / 12
  EXPECT_NE(t.find("66.67"), std::string::npos) << t;  // IoU of class 0: 6 / (8 + 7 - 6)
  const auto row = t.substr(t.find("2 sky"));
  EXPECT_EQ(row.substr(0, row.find('\n')).find_first_of("0123456789", 1), std::string::npos)
      << "class 2 is undefined: its row shows '-' only\n" << t;
  EXPECT_THROW(format_metrics_table(compute_metrics(cm), {"one"}), Error);
}

}  // namespace
}  // namespace atrous
