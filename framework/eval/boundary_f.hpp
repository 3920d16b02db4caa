#pragma once
// Boundary F-score (BF; Csurka et al., BMVC 2013, as in the DAVIS and Cityscapes
// boundary metrics): how well the predicted class contours follow the true ones.
// Region metrics (mIoU) barely move when a prediction is right but blurred along
// its edges; BF drops, which is what it is here for: showing the localisation
// that pooling/stride costs and that atrous convolutions recover.
//
// Definition used here, per image:
//  - boundary pixels: see boundary_map.hpp (4-neighbour class change, class-agnostic;
//    ignore-label pixels and their 4-neighbours excluded from both maps);
//  - a predicted boundary pixel is matched when a ground-truth boundary pixel lies
//    within Euclidean distance `band` (d² <= band², i.e. inside a disk like DAVIS's
//    dilation; band 0 = the same pixel); ground-truth pixels are matched symmetrically;
//  - precision = matched predicted / predicted, recall = matched true / true.
// Over a dataset the four counts are summed before dividing (pixel-weighted, like
// the confusion matrix), not averaged per image. Empty cases follow DAVIS: no
// predicted boundary → precision 1, no true boundary → recall 1; so both empty
// gives F = 1 and exactly one empty gives F = 0.
#include <cstdint>
#include <span>

#include "eval/confusion_matrix.hpp"

namespace atrous {

inline constexpr int kDefaultBoundaryBand = 2;

struct BoundaryCounts {
  int64_t pred_matched = 0;  // predicted boundary pixels near a true boundary
  int64_t pred_total = 0;
  int64_t gt_matched = 0;    // true boundary pixels near a predicted boundary
  int64_t gt_total = 0;

  BoundaryCounts& operator+=(const BoundaryCounts& o);
  double precision() const;
  double recall() const;
  double f_score() const;  // 2PR / (P + R), 0 when P + R = 0
};

// Counts of one h×w image.
BoundaryCounts boundary_counts(const uint8_t* prediction, const uint8_t* ground_truth, int64_t h, int64_t w,
                               int band = kDefaultBoundaryBand, int ignore_label = kDefaultIgnoreLabel);

// Accumulates BoundaryCounts over batches of N×H×W label maps.
class BoundaryFScore {
 public:
  explicit BoundaryFScore(int band = kDefaultBoundaryBand, int ignore_label = kDefaultIgnoreLabel);

  int band() const { return band_; }
  int ignore_label() const { return ignore_; }

  // OpenMP-parallel over the N images; per-image counts are summed in image order.
  void add(std::span<const uint8_t> prediction, std::span<const uint8_t> label, int64_t n, int64_t h, int64_t w);
  void merge(const BoundaryFScore& other);
  void reset() { counts_ = {}; }

  const BoundaryCounts& counts() const { return counts_; }
  double precision() const { return counts_.precision(); }
  double recall() const { return counts_.recall(); }
  double f_score() const { return counts_.f_score(); }

 private:
  int band_;
  int ignore_;
  BoundaryCounts counts_;
};

}  // namespace atrous
