#include "report/report_charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string_view>

#include "report/stats.hpp"
#include "report/svg_chart.hpp"

namespace atrous::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Series curve_series(const Group& g, const std::string& key) {
  Series s;
  s.label = g.label();
  for (const EpochPoint& p : g.curve(key)) {
    s.x.push_back(static_cast<double>(p.epoch));
    s.y.push_back(p.mean);
    s.low.push_back(p.min);
    s.high.push_back(p.max);
  }
  return s;
}

bool has_points(const std::vector<Series>& series) {
  return std::any_of(series.begin(), series.end(), [](const Series& s) {
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) return true;
    return false;
  });
}

// One scatter point per group at (x, mean metric) with the std over seeds as its bar.
std::vector<Series> metric_points(const ReportData& at, const std::function<double(const Group&)>& x_of) {
  std::vector<Series> out;
  for (const auto& g : at.groups) {
    const auto values = g.values(at.metric);
    const double x = x_of(g);
    if (values.empty() || !std::isfinite(x)) continue;
    const Summary s = summarize(values);
    out.push_back({g.label(), {x}, {s.mean}, {}, {}, {s.std ? *s.std : kNaN}});
  }
  return out;
}

double rf_number(const Group& g) {
  if (g.receptive_field.empty()) return kNaN;
  char* end = nullptr;
  const double v = std::strtod(g.receptive_field.c_str(), &end);
  // "67" is a field, and so is a sequence model's "2047 samples (255.9 ms)";
  // "global" (image pooling) or "67x33" are not one number.
  if (!end || end == g.receptive_field.c_str()) return kNaN;
  return *end == '\0' || (g.sequence && std::string_view(end).starts_with(" samples")) ? v : kNaN;
}

}  // namespace

std::vector<ChartFile> report_charts(const ReportData& at) {
  std::vector<ChartFile> out;
  auto add = [&](std::string name, std::string caption, const ChartSpec& spec, const std::vector<Series>& series) {
    if (has_points(series)) out.push_back({std::move(name), std::move(caption), svg_chart(spec, series)});
  };

  std::vector<Series> metric, loss;
  for (const auto& g : at.groups) {
    metric.push_back(curve_series(g, at.metric));
    loss.push_back(curve_series(g, "train.loss"));
  }
  ChartSpec spec;
  spec.title = fmt::format("Validation {} per epoch (mean over seeds, band min–max)", at.metric);
  spec.x_label = "epoch";
  spec.y_label = at.metric;
  add("metric-vs-epoch.svg", fmt::format("{} per epoch", at.metric), spec, metric);
  spec.title = "Training loss per epoch (mean over seeds, band min–max)";
  spec.y_label = "train.loss";
  add("train-loss.svg", "training loss per epoch", spec, loss);

  ChartSpec scatter;
  scatter.kind = ChartSpec::Kind::scatter;
  scatter.y_label = at.metric;
  scatter.title = fmt::format("Final {} against the theoretical receptive field (mean ± std over seeds)", at.metric);
  scatter.x_label = at.sequence() ? "theoretical receptive field (samples)" : "theoretical receptive field (input pixels)";
  add("metric-vs-rf.svg", fmt::format("{} against the receptive field", at.metric), scatter, metric_points(at, rf_number));
  scatter.title = fmt::format("Final {} against forward GFLOPs per image (mean ± std over seeds)", at.metric);
  scatter.x_label = "GFLOPs per image (forward, log scale)";
  scatter.log_x = true;
  add("metric-vs-gflops.svg", fmt::format("{} against GFLOPs", at.metric), scatter,
      metric_points(at, [](const Group& g) { return g.gflops ? *g.gflops : kNaN; }));
  return out;
}

}  // namespace atrous::report
