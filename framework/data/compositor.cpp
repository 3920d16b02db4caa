#include "data/compositor.hpp"

#include <algorithm>

namespace atrous {

Compositor::Compositor(int64_t height, int64_t width)
    : height_(height),
      width_(width),
      labels_(static_cast<size_t>(height * width), 0),
      owners_(static_cast<size_t>(height * width), -1) {}

bool Compositor::try_add(const Silhouette& shape, uint8_t label, double max_hidden, bool halo) {
  // The pixels the object takes (own) and clears (ring), clipped to the canvas.
  std::vector<int64_t> own, ring;
  const int64_t pad = halo ? 1 : 0;
  const int64_t y0 = std::max<int64_t>(0, shape.top - pad), y1 = std::min(height_, shape.top + shape.height + pad);
  const int64_t x0 = std::max<int64_t>(0, shape.left - pad), x1 = std::min(width_, shape.left + shape.width + pad);
  for (int64_t y = y0; y < y1; ++y) {
    for (int64_t x = x0; x < x1; ++x) {
      if (shape.covers(y, x)) {
        own.push_back(y * width_ + x);
        continue;
      }
      if (!halo) continue;
      bool near = false;
      for (int64_t dy = -1; dy <= 1 && !near; ++dy)
        for (int64_t dx = -1; dx <= 1 && !near; ++dx) near = shape.covers(y + dy, x + dx);
      if (near) ring.push_back(y * width_ + x);
    }
  }
  if (own.empty()) return false;

  std::vector<int64_t> lost(area_.size(), 0);
  for (const auto* pixels : {&own, &ring})
    for (int64_t p : *pixels)
      if (owners_[static_cast<size_t>(p)] >= 0) ++lost[static_cast<size_t>(owners_[static_cast<size_t>(p)])];
  for (size_t j = 0; j < area_.size(); ++j) {
    if (lost[j] == 0) continue;
    const double kept = static_cast<double>(visible_[j] - lost[j]);
    // With max_hidden = 0 any contact is a rejection, even through the halo.
    if (max_hidden <= 0.0 || kept < (1.0 - max_hidden) * static_cast<double>(area_[j])) return false;
  }

  const auto id = static_cast<int32_t>(area_.size());
  for (size_t j = 0; j < area_.size(); ++j) visible_[j] -= lost[j];
  for (int64_t p : ring) {
    owners_[static_cast<size_t>(p)] = -1;
    labels_[static_cast<size_t>(p)] = 0;
  }
  for (int64_t p : own) {
    owners_[static_cast<size_t>(p)] = id;
    labels_[static_cast<size_t>(p)] = label;
  }
  area_.push_back(static_cast<int64_t>(own.size()));
  visible_.push_back(static_cast<int64_t>(own.size()));
  return true;
}

}  // namespace atrous
