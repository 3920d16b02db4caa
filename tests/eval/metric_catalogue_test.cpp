// The metric catalogue against what the evaluator writes, the worker stores and
// the recipe accepts; directions, formats and the fallback for unknown keys.
#include "eval/metric_catalogue.hpp"

#include <gtest/gtest.h>

#include <set>

#include "eval/metrics.hpp"

namespace atrous {
namespace {

TEST(MetricCatalogue, KeysAreUnique) {
  std::set<std::string_view> keys;
  for (const MetricInfo& m : metric_catalogue()) {
    EXPECT_TRUE(keys.insert(m.key).second) << m.key;
    EXPECT_FALSE(m.description.empty()) << m.key;
  }
}

// Every `val.` entry names a number the evaluator writes (Metrics::to_json): a
// scalar by its name, a per-class entry as the list <name>_per_class.
TEST(MetricCatalogue, ValEntriesAreWhatTheEvaluatorWrites) {
  ConfusionMatrix cm(2);
  const std::vector<uint8_t> prediction = {0, 0}, label = {0, 1};
  cm.add(prediction, label);
  BoundaryFScore boundary;
  Metrics metrics = compute_metrics(cm, boundary);
  metrics.bits_per_sample = 7.5;  // what an evaluator with `likelihood` (audio) adds
  const nlohmann::json j = metrics.to_json();
  for (const MetricInfo& m : metric_catalogue()) {
    if (!m.key.starts_with("val.")) continue;
    const std::string name(m.key.substr(4));
    EXPECT_TRUE(j.contains(m.shape == MetricShape::per_class ? name + "_per_class" : name)) << m.key;
  }
}

TEST(MetricCatalogue, WorkerStoresTheEvaluatorScalars) {
  const auto names = stored_val_scalars();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
            (std::set<std::string>{"pixel_acc", "mean_acc", "miou", "fwiou", "dice", "boundary_f",
                                   "boundary_precision", "boundary_recall", "bits_per_sample"}));
}

TEST(MetricCatalogue, CheckpointMetricsAreEvaluationScalars) {
  EXPECT_EQ(checkpoint_metrics(), (std::vector<std::string>{"val.miou", "val.pixel_acc", "val.mean_acc", "val.dice",
                                                            "val.boundary_f", "val.bits_per_sample"}));
  for (const auto& key : checkpoint_metrics()) {
    const MetricInfo* m = find_metric(key);
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(key.starts_with("val.")) << key;
    EXPECT_EQ(m->shape, MetricShape::scalar) << key;
  }
  // The trainer keeps the best value in the metric's direction: the lowest bits per sample.
  EXPECT_EQ(find_metric("val.bits_per_sample")->direction, Direction::lower);
}

TEST(MetricCatalogue, FindsPerClassAndBestEpochKeys) {
  ASSERT_NE(find_metric("val.iou.disc"), nullptr);
  EXPECT_EQ(find_metric("val.iou.disc")->key, "val.iou");
  EXPECT_EQ(find_metric("val.iou.class.with.dots")->key, "val.iou");
  EXPECT_EQ(find_metric("best.val.miou")->key, "val.miou");
  EXPECT_EQ(find_metric("best.val.iou.ring")->key, "val.iou");
  EXPECT_EQ(find_metric("val.iou"), nullptr);    // the per-class prefix alone is no key
  EXPECT_EQ(find_metric("val.iou."), nullptr);
  EXPECT_EQ(find_metric("val.miou2"), nullptr);
  EXPECT_EQ(find_metric("val.nll"), nullptr);
  ASSERT_NE(find_metric("best.val.bits_per_sample"), nullptr);
  EXPECT_EQ(find_metric("best.val.bits_per_sample")->direction, Direction::lower);
  EXPECT_FALSE(higher_is_better("val.bits_per_sample"));  // its name alone would say higher
}

TEST(MetricCatalogue, Directions) {
  for (const char* k : {"val.miou", "val.iou.disc", "best.val.boundary_f", "train_img_per_s"})
    EXPECT_TRUE(higher_is_better(k)) << k;
  for (const char* k : {"train.loss", "best.train.loss", "train.ce", "train.dice", "wall_seconds"})
    EXPECT_FALSE(higher_is_better(k)) << k;
  // train.dice is the Dice *loss* term: the old name-based rule had it higher-is-better.
  EXPECT_EQ(find_metric("train.dice")->direction, Direction::lower);
}

TEST(MetricCatalogue, UnknownKeysFallBackToTheirName) {
  EXPECT_FALSE(higher_is_better("val.focal_loss"));
  EXPECT_FALSE(higher_is_better("seconds_per_step"));
  EXPECT_TRUE(higher_is_better("val.score"));
  EXPECT_EQ(metric_format("val.score").decimals, 4);
  EXPECT_FALSE(metric_format("val.score").percent);
}

TEST(MetricCatalogue, Formats) {
  EXPECT_EQ(format_metric_value(0.72, metric_format("val.miou")), "0.7200");
  EXPECT_EQ(format_metric_value(0.015, metric_format("val.miou"), true), "+0.0150");
  EXPECT_EQ(format_metric_value(123.456, metric_format("train_img_per_s")), "123.5");
  EXPECT_EQ(format_metric_value(0.126, metric_format("wall_seconds")), "0.13");
  EXPECT_EQ(format_metric_value(1234.0, metric_format("params")), "1234");
  EXPECT_EQ(format_metric_value(0.72, {2, true}), "72.00%");
  EXPECT_EQ(format_metric_value(-0.015, {2, true}, true), "-1.50%");
  EXPECT_EQ(format_metric_value(0.0, {1, false}, true), "+0.0");
}

}  // namespace
}  // namespace atrous
