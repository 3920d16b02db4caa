#pragma once
// Metrics: every evaluation number of a segmentation run, from a confusion matrix
// and (optionally) boundary F-score counts.
//
// Per class c, with tp = M[c][c], gt = pixels labelled c, pred = pixels predicted c:
//   accuracy  = tp / gt                (recall; NaN when c is absent from the labels)
//   IoU       = tp / (gt + pred - tp)  (NaN when c is absent from labels AND predictions)
//   Dice (F1) = 2 tp / (gt + pred)     (NaN in the same case)
// Means are nanmeans, as in MMSegmentation: a class that never occurs and is never
// predicted has no defined score and is left out instead of counting as 0 or 1.
// A class predicted but absent from the labels has IoU = Dice = 0 and does count.
//   pixel_acc = Σ tp / Σ gt; fwiou = Σ_c (gt_c / Σ gt) · IoU_c over classes with gt_c > 0.
// Ignored pixels (label = ignore label) are in none of the counts. Everything is
// NaN when no pixel was counted.
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/boundary_f.hpp"
#include "eval/confusion_matrix.hpp"

namespace atrous {

struct Metrics {
  int num_classes = 0;
  int64_t pixels = 0;          // counted pixels
  int64_t ignored_pixels = 0;  // pixels skipped for carrying the ignore label

  double pixel_acc = 0.0;
  double mean_acc = 0.0;
  double miou = 0.0;
  double fwiou = 0.0;
  double dice = 0.0;  // mean Dice/F1 over classes
  std::vector<double> acc_per_class, iou_per_class, dice_per_class;  // empty when not asked for (audio)

  // Boundary F-score; absent when it was not computed.
  std::optional<BoundaryCounts> boundary;
  int boundary_band = 0;
  double boundary_precision() const;  // NaN when absent
  double boundary_recall() const;
  double boundary_f() const;

  // Mean negative log-likelihood of the labels in bits (eval/likelihood.hpp);
  // absent unless the evaluator was asked for it (audio datasets).
  std::optional<double> bits_per_sample;

  // Keys: pixel_acc, mean_acc, miou, fwiou, dice, acc_per_class, iou_per_class,
  // dice_per_class, num_classes, pixels, ignored_pixels and, when computed,
  // boundary_f, boundary_precision, boundary_recall, boundary_band, boundary_counts,
  // and bits_per_sample.
  // Fractions in [0, 1]; NaN (undefined) values are written as null.
  nlohmann::json to_json() const;
};

Metrics compute_metrics(const ConfusionMatrix& cm);
Metrics compute_metrics(const ConfusionMatrix& cm, const BoundaryFScore& boundary);

// Mean of the non-NaN values; NaN when there is none.
double nanmean(const std::vector<double>& values);

}  // namespace atrous
