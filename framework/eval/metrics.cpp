#include "eval/metrics.hpp"

#include <cmath>
#include <limits>

namespace atrous {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double num, double den) { return den == 0.0 ? kNaN : num / den; }

nlohmann::json number(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

nlohmann::json numbers(const std::vector<double>& values) {
  auto a = nlohmann::json::array();
  for (double v : values) a.push_back(number(v));
  return a;
}

}  // namespace

double nanmean(const std::vector<double>& values) {
  double sum = 0.0;
  int n = 0;
  for (double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++n;
    }
  return n == 0 ? kNaN : sum / n;
}

Metrics compute_metrics(const ConfusionMatrix& cm) {
  Metrics m;
  const int k = cm.num_classes();
  m.num_classes = k;
  m.pixels = cm.total();
  m.ignored_pixels = cm.ignored();
  const double total = static_cast<double>(m.pixels);
  double correct = 0.0, fw = 0.0;
  for (int c = 0; c < k; ++c) {
    const double tp = static_cast<double>(cm.count(c, c));
    const double gt = static_cast<double>(cm.label_count(c));
    const double pred = static_cast<double>(cm.prediction_count(c));
    correct += tp;
    m.acc_per_class.push_back(ratio(tp, gt));
    m.iou_per_class.push_back(ratio(tp, gt + pred - tp));
    m.dice_per_class.push_back(ratio(2.0 * tp, gt + pred));
    if (gt > 0.0) fw += gt / total * m.iou_per_class.back();
  }
  m.pixel_acc = ratio(correct, total);
  m.mean_acc = nanmean(m.acc_per_class);
  m.miou = nanmean(m.iou_per_class);
  m.dice = nanmean(m.dice_per_class);
  m.fwiou = m.pixels == 0 ? kNaN : fw;
  return m;
}

Metrics compute_metrics(const ConfusionMatrix& cm, const BoundaryFScore& boundary) {
  Metrics m = compute_metrics(cm);
  m.boundary = boundary.counts();
  m.boundary_band = boundary.band();
  return m;
}

double Metrics::boundary_precision() const { return boundary ? boundary->precision() : kNaN; }
double Metrics::boundary_recall() const { return boundary ? boundary->recall() : kNaN; }
double Metrics::boundary_f() const { return boundary ? boundary->f_score() : kNaN; }

nlohmann::json Metrics::to_json() const {
  nlohmann::json j = {
      {"num_classes", num_classes},
      {"pixels", pixels},
      {"ignored_pixels", ignored_pixels},
      {"pixel_acc", number(pixel_acc)},
      {"mean_acc", number(mean_acc)},
      {"miou", number(miou)},
      {"fwiou", number(fwiou)},
      {"dice", number(dice)},
      {"acc_per_class", numbers(acc_per_class)},
      {"iou_per_class", numbers(iou_per_class)},
      {"dice_per_class", numbers(dice_per_class)},
  };
  if (boundary) {
    j["boundary_f"] = number(boundary_f());
    j["boundary_precision"] = number(boundary_precision());
    j["boundary_recall"] = number(boundary_recall());
    j["boundary_band"] = boundary_band;
    j["boundary_counts"] = {{"pred_matched", boundary->pred_matched},
                            {"pred_total", boundary->pred_total},
                            {"gt_matched", boundary->gt_matched},
                            {"gt_total", boundary->gt_total}};
  }
  if (bits_per_sample) j["bits_per_sample"] = number(*bits_per_sample);
  return j;
}

}  // namespace atrous
