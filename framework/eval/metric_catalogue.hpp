#pragma once
// The metric catalogue: every number a run records, once. For each key as the
// results database stores it (the evaluator's scalars as `val.<name>`, the
// training terms as `train.<name>`, the run's own scalars bare) its direction,
// whether it is one scalar or one value per class, how reports print it, and
// what it means. The worker stores what is listed here, a recipe's
// checkpoint.best_metric must be a `selects_checkpoint` entry, and reports take
// direction and format from here.
//
// Adding a metric is one line in kMetricCatalogue (metric_catalogue.cpp) and the
// evaluator writing it into its record, as audio's bits per sample is
//   {"val.bits_per_sample", Direction::lower, MetricShape::scalar, {3, false}, false, "..."},
// — see tests/eval/metric_catalogue_test.cpp.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace atrous {

enum class Direction { higher, lower };  // which way is better

// scalar: one value under `key`. per_class: the evaluator's list `<name>_per_class`,
// stored as `<key>.<class name>` (val.iou.disc).
enum class MetricShape { scalar, per_class };

struct MetricFormat {
  int decimals = 4;
  bool percent = false;  // printed ×100 with a '%' sign
};

struct MetricInfo {
  std::string_view key;  // as stored: "val.miou", "train.loss", "wall_seconds"; per class: the prefix "val.iou"
  Direction direction;
  MetricShape shape;
  MetricFormat format;
  // May choose best.safetensors (train.checkpoint.best_metric): an evaluation
  // scalar (`val.`); the trainer keeps its best value in the entry's direction.
  bool selects_checkpoint;
  std::string_view description;
};

// Every entry, in the catalogue's order.
std::span<const MetricInfo> metric_catalogue();

// The entry describing a stored key: an exact key; a per-class key
// ("val.iou.disc" → "val.iou"); a best-epoch summary ("best.val.miou" → "val.miou").
// Nothing for keys the catalogue does not know.
const MetricInfo* find_metric(std::string_view key);

// Whether larger values of `key` are better: the catalogue's direction, and for a
// key it does not know (an older database, a hand-written one) the rule reports
// always used: higher is better unless the name says it is a loss or a duration
// (contains "loss" or "seconds").
bool higher_is_better(std::string_view key);

// The format of `key`'s values: the catalogue's, else 4 decimals.
MetricFormat metric_format(std::string_view key);

// `value` in `format`: "0.7200", "72.00%"; signed: "+0.0150", "-1.50%".
std::string format_metric_value(double value, MetricFormat format, bool signed_ = false);

// The evaluator's scalar names the worker records (their keys without "val.").
std::vector<std::string> stored_val_scalars();

// The keys allowed as train.checkpoint.best_metric, in catalogue order.
std::vector<std::string> checkpoint_metrics();

}  // namespace atrous
