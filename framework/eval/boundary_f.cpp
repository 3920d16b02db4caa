#include "eval/boundary_f.hpp"

#include <vector>

#include "core/error.hpp"
#include "eval/boundary_map.hpp"
#include "eval/band_match.hpp"

namespace atrous {

BoundaryCounts& BoundaryCounts::operator+=(const BoundaryCounts& o) {
  pred_matched += o.pred_matched;
  pred_total += o.pred_total;
  gt_matched += o.gt_matched;
  gt_total += o.gt_total;
  return *this;
}

double BoundaryCounts::precision() const {
  return pred_total == 0 ? 1.0 : static_cast<double>(pred_matched) / static_cast<double>(pred_total);
}

double BoundaryCounts::recall() const {
  return gt_total == 0 ? 1.0 : static_cast<double>(gt_matched) / static_cast<double>(gt_total);
}

double BoundaryCounts::f_score() const {
  const double p = precision(), r = recall();
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

BoundaryCounts boundary_counts(const uint8_t* prediction, const uint8_t* ground_truth, int64_t h, int64_t w,
                               int band, int ignore_label) {
  check(band >= 0, "boundary F-score: band {} must be >= 0 pixels", band);
  const auto valid = boundary_valid_mask(ground_truth, h, w, ignore_label);
  const auto pred_edges = boundary_map(prediction, valid.data(), h, w);
  const auto gt_edges = boundary_map(ground_truth, valid.data(), h, w);
  const BandMatch precision = match_within_band(pred_edges.data(), gt_edges.data(), h, w, band);
  const BandMatch recall = match_within_band(gt_edges.data(), pred_edges.data(), h, w, band);
  return {precision.matched, precision.total, recall.matched, recall.total};
}

BoundaryFScore::BoundaryFScore(int band, int ignore_label) : band_(band), ignore_(ignore_label) {
  check(band >= 0, "boundary F-score: band {} must be >= 0 pixels", band);
  check(ignore_label >= -1 && ignore_label <= 255, "boundary F-score: ignore label {} must be -1 or 0..255",
        ignore_label);
}

void BoundaryFScore::add(std::span<const uint8_t> prediction, std::span<const uint8_t> label, int64_t n, int64_t h,
                         int64_t w) {
  check(n >= 0 && h >= 0 && w >= 0, "boundary F-score: negative dims {}x{}x{}", n, h, w);
  const auto size = static_cast<size_t>(n * h * w);
  check(prediction.size() == size && label.size() == size,
        "boundary F-score: {} predictions and {} labels for {}x{}x{} maps", prediction.size(), label.size(), n, h,
        w);
  std::vector<BoundaryCounts> per_image(static_cast<size_t>(n));
#pragma omp parallel for schedule(dynamic, 1) if (n > 1)
  for (int64_t b = 0; b < n; ++b)
    per_image[static_cast<size_t>(b)] =
        boundary_counts(prediction.data() + b * h * w, label.data() + b * h * w, h, w, band_, ignore_);
  for (const auto& c : per_image) counts_ += c;
}

void BoundaryFScore::merge(const BoundaryFScore& other) {
  check(other.band_ == band_ && other.ignore_ == ignore_,
        "boundary F-score: cannot merge band {} (ignore {}) into band {} (ignore {})", other.band_, other.ignore_,
        band_, ignore_);
  counts_ += other.counts_;
}

}  // namespace atrous
