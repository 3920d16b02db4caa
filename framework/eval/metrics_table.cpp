#include "eval/metrics_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "core/error.hpp"

namespace atrous {

namespace {

std::string percent(double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:.2f}", 100.0 * v); }

}  // namespace

std::string format_metrics_table(const Metrics& m, const std::vector<std::string>& class_names) {
  check(class_names.empty() || static_cast<int>(class_names.size()) == m.num_classes,
        "metrics table: {} class names for {} classes", class_names.size(), m.num_classes);
  std::string out;
  auto line = [&out](const std::string& name, const std::string& value) {
    fmt::format_to(std::back_inserter(out), "  {:<22} {:>8}\n", name, value);
  };
  if (m.bits_per_sample) line("bits per sample", fmt::format("{:.3f}", *m.bits_per_sample));
  line("pixel accuracy (%)", percent(m.pixel_acc));
  line("mean accuracy (%)", percent(m.mean_acc));
  line("mIoU (%)", percent(m.miou));
  line("fwIoU (%)", percent(m.fwiou));
  line("mean Dice (%)", percent(m.dice));
  if (m.boundary) {
    line(fmt::format("boundary F, {} px (%)", m.boundary_band), percent(m.boundary_f()));
    line("  precision / recall", fmt::format("{} / {}", percent(m.boundary_precision()), percent(m.boundary_recall())));
  }
  line("pixels (ignored)", fmt::format("{} ({})", m.pixels, m.ignored_pixels));
  // Audio (the likelihood was measured): the classes are the 256 mu-law codes,
  // whose per-class IoU would be 256 lines of noise.
  if (m.bits_per_sample) return out;

  size_t name_width = 5;  // "class"
  for (int c = 0; c < m.num_classes; ++c) {
    const auto i = static_cast<size_t>(c);
    const size_t digits = std::to_string(c).size();
    name_width = std::max(name_width, class_names.empty() ? digits : digits + 1 + class_names[i].size());
  }
  fmt::format_to(std::back_inserter(out), "\n  {:<{}}  {:>7}  {:>7}  {:>7}\n", "class", name_width, "IoU", "acc",
                 "Dice");
  for (int c = 0; c < m.num_classes; ++c) {
    const auto i = static_cast<size_t>(c);
    const std::string name = class_names.empty() ? std::to_string(c) : fmt::format("{} {}", c, class_names[i]);
    fmt::format_to(std::back_inserter(out), "  {:<{}}  {:>7}  {:>7}  {:>7}\n", name, name_width,
                   percent(m.iou_per_class[i]), percent(m.acc_per_class[i]), percent(m.dice_per_class[i]));
  }
  return out;
}

}  // namespace atrous
