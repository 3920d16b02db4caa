#include "eval/metric_catalogue.hpp"

#include <fmt/format.h>

#include <array>

namespace atrous {

namespace {

using D = Direction;
using S = MetricShape;

// The order matters twice: checkpoint_metrics() lists the best_metric choices in
// it (the recipe's error message), and stored_val_scalars() follows it.
constexpr std::array kMetricCatalogue = {
    // The evaluator (eval/metrics.hpp): fractions in [0, 1].
    MetricInfo{"val.miou", D::higher, S::scalar, {4, false}, true, "mean IoU over classes (nanmean)"},
    MetricInfo{"val.pixel_acc", D::higher, S::scalar, {4, false}, true, "share of counted pixels labelled right"},
    MetricInfo{"val.mean_acc", D::higher, S::scalar, {4, false}, true, "mean per-class accuracy (recall)"},
    MetricInfo{"val.fwiou", D::higher, S::scalar, {4, false}, false, "IoU weighted by each class's pixel share"},
    MetricInfo{"val.dice", D::higher, S::scalar, {4, false}, true, "mean Dice (F1) over classes"},
    MetricInfo{"val.boundary_f", D::higher, S::scalar, {4, false}, true, "boundary F-score within the band"},
    MetricInfo{"val.boundary_precision", D::higher, S::scalar, {4, false}, false, "boundary precision"},
    MetricInfo{"val.boundary_recall", D::higher, S::scalar, {4, false}, false, "boundary recall"},
    MetricInfo{"val.iou", D::higher, S::per_class, {4, false}, false, "IoU of one class (val.iou.<class>)"},
    // Audio datasets only (eval/likelihood.hpp); there val.pixel_acc is the next-sample accuracy.
    MetricInfo{"val.bits_per_sample", D::lower, S::scalar, {3, false}, true,
               "validation negative log-likelihood of the next sample, bits per sample (mean CE / ln 2)"},
    // The trainer's epoch means (train/trainer.cpp).
    MetricInfo{"train.loss", D::lower, S::scalar, {4, false}, false, "training loss: ce_weight × CE + dice_weight × Dice"},
    MetricInfo{"train.ce", D::lower, S::scalar, {4, false}, false, "cross-entropy term of the training loss"},
    MetricInfo{"train.dice", D::lower, S::scalar, {4, false}, false, "Dice term of the training loss"},
    // Not scores: their direction only orders a table sorted by them.
    MetricInfo{"train.lr", D::higher, S::scalar, {4, false}, false, "learning rate at the epoch's end"},
    MetricInfo{"steps", D::higher, S::scalar, {0, false}, false, "optimizer steps taken"},
    MetricInfo{"params", D::higher, S::scalar, {0, false}, false, "trainable parameters of the model"},
    // The run (sweep/worker.cpp).
    MetricInfo{"train_img_per_s", D::higher, S::scalar, {1, false}, false, "training throughput, images per second"},
    // Derived by the report for sequence data: train_img_per_s × the crop length (report/report_data.cpp).
    MetricInfo{"train_samples_per_s", D::higher, S::scalar, {0, false}, false,
               "training throughput of a sequence model, samples per second"},
    MetricInfo{"wall_seconds", D::lower, S::scalar, {2, false}, false, "training wall time over all sessions"},  // 2 decimals: test sweeps take 0.1 s
};

constexpr std::string_view kValPrefix = "val.";
constexpr std::string_view kBestPrefix = "best.";  // the worker's summaries at the best epoch

}  // namespace

std::span<const MetricInfo> metric_catalogue() { return kMetricCatalogue; }

const MetricInfo* find_metric(std::string_view key) {
  if (key.starts_with(kBestPrefix)) key.remove_prefix(kBestPrefix.size());
  for (const MetricInfo& m : kMetricCatalogue) {
    if (m.shape == S::scalar && key == m.key) return &m;
    if (m.shape == S::per_class && key.size() > m.key.size() + 1 && key.starts_with(m.key) && key[m.key.size()] == '.')
      return &m;
  }
  return nullptr;
}

bool higher_is_better(std::string_view key) {
  if (const MetricInfo* m = find_metric(key)) return m->direction == D::higher;
  return key.find("loss") == std::string_view::npos && key.find("seconds") == std::string_view::npos;
}

MetricFormat metric_format(std::string_view key) {
  const MetricInfo* m = find_metric(key);
  return m ? m->format : MetricFormat{};
}

std::string format_metric_value(double value, MetricFormat format, bool signed_) {
  const double v = format.percent ? 100 * value : value;
  const std::string text = signed_ ? fmt::format("{:+.{}f}", v, format.decimals) : fmt::format("{:.{}f}", v, format.decimals);
  return format.percent ? text + "%" : text;
}

std::vector<std::string> stored_val_scalars() {
  std::vector<std::string> out;
  for (const MetricInfo& m : kMetricCatalogue)
    if (m.shape == S::scalar && m.key.starts_with(kValPrefix)) out.emplace_back(m.key.substr(kValPrefix.size()));
  return out;
}

std::vector<std::string> checkpoint_metrics() {
  std::vector<std::string> out;
  for (const MetricInfo& m : kMetricCatalogue)
    if (m.selects_checkpoint) out.emplace_back(m.key);
  return out;
}

}  // namespace atrous
