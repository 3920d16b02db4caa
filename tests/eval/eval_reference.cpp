#include "eval/eval_reference.hpp"

#include <algorithm>
#include <limits>

#include "core/rng.hpp"

namespace atrous::testing {

LabelMap& LabelMap::fill(int64_t y0, int64_t y1, int64_t x0, int64_t x1, uint8_t label) {
  for (int64_t y = y0; y < y1; ++y)
    for (int64_t x = x0; x < x1; ++x) at(y, x) = label;
  return *this;
}

std::vector<int64_t> confusion_reference(const std::vector<uint8_t>& prediction, const std::vector<uint8_t>& label,
                                         int k, int ignore_label) {
  std::vector<int64_t> m(static_cast<size_t>(k * k), 0);
  for (size_t i = 0; i < label.size(); ++i)
    if (label[i] != ignore_label) ++m[static_cast<size_t>(label[i] * k + prediction[i])];
  return m;
}

std::vector<int64_t> distance_reference(const std::vector<uint8_t>& mask, int64_t h, int64_t w) {
  std::vector<int64_t> d(static_cast<size_t>(h * w), kNoSite);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t sy = 0; sy < h; ++sy)
        for (int64_t sx = 0; sx < w; ++sx)
          if (mask[static_cast<size_t>(sy * w + sx)]) {
            auto& best = d[static_cast<size_t>(y * w + x)];
            best = std::min(best, (y - sy) * (y - sy) + (x - sx) * (x - sx));
          }
  return d;
}

namespace {

struct Point {
  int64_t y, x;
};

std::vector<Point> boundary_points(const LabelMap& m, const LabelMap& gt, int ignore_label) {
  const int dy[4] = {-1, 1, 0, 0}, dx[4] = {0, 0, -1, 1};
  std::vector<Point> pts;
  for (int64_t y = 0; y < m.h; ++y)
    for (int64_t x = 0; x < m.w; ++x) {
      bool excluded = gt.at(y, x) == ignore_label, differs = false;
      for (int j = 0; j < 4; ++j) {
        const int64_t ny = y + dy[j], nx = x + dx[j];
        if (ny < 0 || ny >= m.h || nx < 0 || nx >= m.w) continue;
        if (gt.at(ny, nx) == ignore_label) excluded = true;
        if (m.at(ny, nx) != m.at(y, x)) differs = true;
      }
      if (!excluded && differs) pts.push_back({y, x});
    }
  return pts;
}

void match(const std::vector<Point>& a, const std::vector<Point>& b, int band, int64_t& matched, int64_t& total) {
  for (const auto& p : a) {
    ++total;
    for (const auto& q : b)
      if ((p.y - q.y) * (p.y - q.y) + (p.x - q.x) * (p.x - q.x) <= int64_t{band} * band) {
        ++matched;
        break;
      }
  }
}

}  // namespace

BoundaryCounts boundary_reference(const LabelMap& prediction, const LabelMap& ground_truth, int band,
                                  int ignore_label) {
  const auto p = boundary_points(prediction, ground_truth, ignore_label);
  const auto g = boundary_points(ground_truth, ground_truth, ignore_label);
  BoundaryCounts c;
  match(p, g, band, c.pred_matched, c.pred_total);
  match(g, p, band, c.gt_matched, c.gt_total);
  return c;
}

std::vector<uint8_t> argmax_reference(const std::vector<float>& x, int64_t n, int64_t k, int64_t h, int64_t w) {
  std::vector<uint8_t> out;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < h * w; ++i) {
      if (k == 1) {
        out.push_back(x[static_cast<size_t>(b * h * w + i)] > 0.0f ? 1 : 0);
        continue;
      }
      int best = 0;
      for (int64_t c = 1; c < k; ++c)
        if (x[static_cast<size_t>((b * k + c) * h * w + i)] > x[static_cast<size_t>((b * k + best) * h * w + i)])
          best = static_cast<int>(c);
      out.push_back(static_cast<uint8_t>(best));
    }
  return out;
}

LabelMap random_blobs(int64_t h, int64_t w, int k, int count, uint64_t seed) {
  Rng rng(seed);
  LabelMap m(h, w, 0);
  for (int i = 0; i < count; ++i) {
    const auto label = static_cast<uint8_t>(rng.below(static_cast<uint64_t>(k)));
    const auto cy = static_cast<int64_t>(rng.below(static_cast<uint64_t>(h)));
    const auto cx = static_cast<int64_t>(rng.below(static_cast<uint64_t>(w)));
    const auto r = 2 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(std::max<int64_t>(2, h / 4))));
    const bool disc = rng.below(2) == 1;
    for (int64_t y = std::max<int64_t>(0, cy - r); y < std::min(h, cy + r + 1); ++y)
      for (int64_t x = std::max<int64_t>(0, cx - r); x < std::min(w, cx + r + 1); ++x)
        if (!disc || (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r) m.at(y, x) = label;
  }
  return m;
}

}  // namespace atrous::testing
