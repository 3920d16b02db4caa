#include "eval/boundary_f.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "eval/boundary_map.hpp"
#include "eval/eval_reference.hpp"
#include "eval/metrics.hpp"

namespace atrous {
namespace {

using testing::LabelMap;

BoundaryCounts counts(const LabelMap& pred, const LabelMap& gt, int band, int ignore = 255) {
  return boundary_counts(pred.v.data(), gt.v.data(), gt.h, gt.w, band, ignore);
}

void expect_counts(const BoundaryCounts& c, int64_t pm, int64_t pt, int64_t gm, int64_t gt) {
  EXPECT_EQ(c.pred_matched, pm);
  EXPECT_EQ(c.pred_total, pt);
  EXPECT_EQ(c.gt_matched, gm);
  EXPECT_EQ(c.gt_total, gt);
}

// 9×9 image, background 0, a 3×3 square of class 1 at rows 2..4, columns 2..4 in
// the ground truth and shifted right by `shift` columns in the prediction.
// Each square has 20 boundary pixels: its 8 rim pixels (all but the centre) and
// the 12 outside pixels 4-adjacent to it (3 per side).
LabelMap square(int64_t shift) { return LabelMap(9, 9, 0).fill(2, 5, 2 + shift, 5 + shift, 1); }

TEST(EvalBoundaryF, SquareShiftedByOneHandComputed) {
  const LabelMap gt = square(0), pred = square(1);
  // band 0 (same pixel): of the predicted boundary (rim cols 3..5, outside cols 2 and 6,
  // rows 1 and 5 over cols 3..5), the ground-truth boundary holds rim (2,3) (2,4) (4,3)
  // (4,4), (2,5) (3,5) (4,5) [its right outside column], (1,3) (1,4) (5,3) (5,4) [its
  // top/bottom outside], (2,2) (3,2) (4,2) [its left rim]: 14. Missing: the predicted
  // centre-row rim (3,3) (the true centre), (1,5), (5,5) and column 6. The picture is
  // mirror-symmetric, so recall is 14/20 too: F = 0.7.
  expect_counts(counts(pred, gt, 0), 14, 20, 14, 20);
  EXPECT_DOUBLE_EQ(counts(pred, gt, 0).f_score(), 0.7);
  // band 1: each of the 6 missing pixels has a 4-neighbour on the true boundary
  // ((3,3)→(3,2), (1,5)→(1,4), (5,5)→(5,4), (r,6)→(r,5)): everything matches.
  expect_counts(counts(pred, gt, 1), 20, 20, 20, 20);
  expect_counts(counts(pred, gt, 2), 20, 20, 20, 20);
}

TEST(EvalBoundaryF, SquareShiftedByTwoHandComputed) {
  const LabelMap gt = square(0), pred = square(2);
  // band 0: the predicted boundary (rim cols 4..6, outside cols 3 and 7, rows 1 and 5
  // over cols 4..6) meets the true one at (2,4) (4,4) (2,5) (4,5) (3,4) (1,4) (5,4)
  // (2,3) (4,3): 9 of 20 (the predicted (3,5) is its square's centre; (3,3) is the true centre).
  expect_counts(counts(pred, gt, 0), 9, 20, 9, 20);
  EXPECT_DOUBLE_EQ(counts(pred, gt, 0).f_score(), 0.45);
  // band 1 (Euclidean): still unmatched are (1,6) and (5,6) — nearest true boundary
  // pixels (2,5)/(4,5) are diagonal, at √2 > 1 (Chebyshev distance would match them) —
  // and column 7, rows 2..4, at distance 2 from column 5: 15 of 20, F = 0.75.
  expect_counts(counts(pred, gt, 1), 15, 20, 15, 20);
  EXPECT_DOUBLE_EQ(counts(pred, gt, 1).f_score(), 0.75);
  // band 2: all within 2 pixels.
  expect_counts(counts(pred, gt, 2), 20, 20, 20, 20);
}

TEST(EvalBoundaryF, StraightEdgeShiftedByOne) {
  // 6×8, class 0 left of the edge, 1 right; the edge sits at column 4 (truth) and 5
  // (prediction). Boundaries: columns {3, 4} and {4, 5}, 6 rows each; band 0 matches column 4.
  const LabelMap gt = LabelMap(6, 8, 0).fill(0, 6, 4, 8, 1), pred = LabelMap(6, 8, 0).fill(0, 6, 5, 8, 1);
  expect_counts(counts(pred, gt, 0), 6, 12, 6, 12);
  expect_counts(counts(pred, gt, 1), 12, 12, 12, 12);
}

TEST(EvalBoundaryF, IdenticalMapsScoreOne) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const LabelMap m = testing::random_blobs(48, 40, 5, 12, seed);
    for (int band : {0, 2}) {
      const auto c = counts(m, m, band);
      EXPECT_GT(c.gt_total, 0);
      EXPECT_EQ(c.pred_matched, c.pred_total);
      EXPECT_EQ(c.gt_matched, c.gt_total);
      EXPECT_EQ(c.f_score(), 1.0);
    }
  }
}

TEST(EvalBoundaryF, MatchesNaiveReferenceOnRandomMaps) {
  // Random multi-class blobs with ignored regions; exact integer counts.
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    LabelMap gt = testing::random_blobs(24, 29, 4, 8, seed);
    LabelMap pred = testing::random_blobs(24, 29, 4, 8, seed + 100);
    if (seed % 2 == 0) gt.fill(3, 9, 5, 12, 255).fill(20, 24, 0, 29, 255);
    for (int band : {0, 1, 2, 3, 5}) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " band " << band);
      const auto c = counts(pred, gt, band), want = testing::boundary_reference(pred, gt, band, 255);
      expect_counts(c, want.pred_matched, want.pred_total, want.gt_matched, want.gt_total);
    }
  }
}

TEST(EvalBoundaryF, IgnoredPixelsAndTheirNeighboursAreExcluded) {
  // 5×6: class 0 in columns 0..2, class 1 in 3..5; row 0 is unannotated (255).
  // Row 1 touches it, so only rows 2..4 count: the true boundary is columns 2 and 3
  // there, 6 pixels.
  LabelMap gt = LabelMap(5, 6, 0).fill(0, 5, 3, 6, 1).fill(0, 1, 0, 6, 255);
  LabelMap pred = LabelMap(5, 6, 0).fill(0, 5, 3, 6, 1);
  // The prediction is free under the ignored row: make it a checkerboard there.
  for (int64_t x = 0; x < 6; ++x) pred.at(0, x) = static_cast<uint8_t>(x % 2 ? 2 : 0);
  expect_counts(counts(pred, gt, 0), 6, 6, 6, 6);
  // A wrong label in row 1 (next to the ignored row): row-1 pixels are excluded, so
  // only the valid pixel below it, (2,0), becomes a (false) predicted boundary pixel.
  pred.at(1, 0) = 1;
  expect_counts(counts(pred, gt, 0), 6, 7, 6, 6);
  // The same error in row 2 makes (2,0) and its valid neighbours (2,1), (3,0)
  // predicted boundary pixels, all off the true boundary at band 0.
  pred.at(1, 0) = 0;
  pred.at(2, 0) = 1;
  expect_counts(counts(pred, gt, 0), 6, 9, 6, 6);
  const auto mask = boundary_valid_mask(gt.v.data(), 5, 6, 255);
  EXPECT_EQ(std::count(mask.begin(), mask.end(), 1), 18);  // rows 2..4
  // Without an ignore label, 255 is just another class: row 0 and row 1 now have boundaries.
  EXPECT_GT(counts(pred, gt, 0, kNoIgnoreLabel).gt_total, 6);
}

TEST(EvalBoundaryF, EmptyBoundaryConventions) {
  const LabelMap flat(8, 8, 1), edge = LabelMap(8, 8, 0).fill(0, 8, 4, 8, 1);
  // Neither map has a boundary: nothing to find and nothing wrongly found → 1.
  EXPECT_EQ(counts(flat, flat, 2).f_score(), 1.0);
  // A flat prediction over a true edge: precision 1 (no false boundary), recall 0 → F 0.
  const auto missed = counts(flat, edge, 2);
  EXPECT_EQ(missed.precision(), 1.0);
  EXPECT_EQ(missed.recall(), 0.0);
  EXPECT_EQ(missed.f_score(), 0.0);
  // An edge predicted where there is none: precision 0, recall 1 → F 0.
  const auto spurious = counts(edge, flat, 2);
  EXPECT_EQ(spurious.precision(), 0.0);
  EXPECT_EQ(spurious.f_score(), 0.0);
}

TEST(EvalBoundaryF, DatasetScoreSumsCountsOverImages) {
  // Image A: the square shifted by one (20 boundary pixels, F 0.7 at band 0);
  // image B: identical 1-pixel stripes, where every one of the 81 pixels is a
  // boundary pixel and F = 1. The dataset F is that of the summed counts, (14 + 81) /
  // (20 + 81) both ways, not the mean of per-image F (0.85).
  const LabelMap a_gt = square(0), a_pred = square(1);
  LabelMap b(9, 9, 0);
  for (int64_t x = 1; x < 9; x += 2) b.fill(0, 9, x, x + 1, 1);
  std::vector<uint8_t> pred = a_pred.v, gt = a_gt.v;
  pred.insert(pred.end(), b.v.begin(), b.v.end());
  gt.insert(gt.end(), b.v.begin(), b.v.end());
  BoundaryFScore bf(0);
  bf.add(pred, gt, 2, 9, 9);
  expect_counts(bf.counts(), 14 + 81, 20 + 81, 14 + 81, 20 + 81);
  EXPECT_DOUBLE_EQ(bf.f_score(), 95.0 / 101.0);  // P = R, so F = P

  // Adding the images one at a time and merging gives the same counts.
  BoundaryFScore one(0), two(0);
  one.add(a_pred.v, a_gt.v, 1, 9, 9);
  two.add(b.v, b.v, 1, 9, 9);
  one.merge(two);
  expect_counts(one.counts(), 95, 101, 95, 101);
  EXPECT_THROW(one.merge(BoundaryFScore(1)), Error);
  EXPECT_THROW(bf.add(pred, gt, 3, 9, 9), Error);  // sizes do not match N×H×W
  EXPECT_THROW(BoundaryFScore(-1), Error);
}

// ---- blurred vs crisp -------------------------------------------------------

// What a stride-8 network without atrous convolutions produces at best: the
// one-hot truth average-pooled over 8×8 cells, upsampled bilinearly
// (align_corners = false) and arg-maxed. Right in the bulk, rounded at edges.
LabelMap pooled_prediction(const LabelMap& gt, int k, int64_t s) {
  const int64_t gh = gt.h / s, gw = gt.w / s;
  std::vector<double> score(static_cast<size_t>(k * gh * gw), 0.0);
  for (int64_t y = 0; y < gt.h; ++y)
    for (int64_t x = 0; x < gt.w; ++x) score[static_cast<size_t>((gt.at(y, x) * gh + y / s) * gw + x / s)] += 1.0;
  LabelMap out(gt.h, gt.w);
  auto cell = [&](int c, int64_t cy, int64_t cx) {
    cy = std::clamp<int64_t>(cy, 0, gh - 1);
    cx = std::clamp<int64_t>(cx, 0, gw - 1);
    return score[static_cast<size_t>((c * gh + cy) * gw + cx)];
  };
  for (int64_t y = 0; y < gt.h; ++y)
    for (int64_t x = 0; x < gt.w; ++x) {
      const double fy = (static_cast<double>(y) + 0.5) / static_cast<double>(s) - 0.5;
      const double fx = (static_cast<double>(x) + 0.5) / static_cast<double>(s) - 0.5;
      const auto y0 = static_cast<int64_t>(std::floor(fy)), x0 = static_cast<int64_t>(std::floor(fx));
      const double ty = fy - static_cast<double>(y0), tx = fx - static_cast<double>(x0);
      int best = 0;
      double best_v = -1.0;
      for (int c = 0; c < k; ++c) {
        const double v = (1 - ty) * ((1 - tx) * cell(c, y0, x0) + tx * cell(c, y0, x0 + 1)) +
                         ty * ((1 - tx) * cell(c, y0 + 1, x0) + tx * cell(c, y0 + 1, x0 + 1));
        if (v > best_v) {
          best_v = v;
          best = c;
        }
      }
      out.at(y, x) = static_cast<uint8_t>(best);
    }
  return out;
}

TEST(EvalBoundaryF, BlurredPredictionScoresBelowCrispOne) {
  // 64×64 scene: a disc, a rectangle and a thin bar (classes 1..3) on background 0.
  LabelMap gt(64, 64, 0);
  for (int64_t y = 0; y < 64; ++y)
    for (int64_t x = 0; x < 64; ++x)
      if ((y - 24) * (y - 24) + (x - 26) * (x - 26) <= 15 * 15) gt.at(y, x) = 1;
  gt.fill(44, 60, 6, 30, 2).fill(8, 18, 44, 62, 3);
  // Crisp: the truth misplaced by one pixel (sharp edges, small localisation error).
  LabelMap crisp(64, 64, 0);
  for (int64_t y = 0; y < 64; ++y)
    for (int64_t x = 1; x < 64; ++x) crisp.at(y, x) = gt.at(y, x - 1);
  const LabelMap blurred = pooled_prediction(gt, 4, 8);

  ConfusionMatrix cm_crisp(4), cm_blurred(4);
  cm_crisp.add(crisp.v, gt.v);
  cm_blurred.add(blurred.v, gt.v);
  BoundaryFScore bf_crisp(2), bf_blurred(2);
  bf_crisp.add(crisp.v, gt.v, 1, 64, 64);
  bf_blurred.add(blurred.v, gt.v, 1, 64, 64);
  const Metrics m_crisp = compute_metrics(cm_crisp, bf_crisp), m_blurred = compute_metrics(cm_blurred, bf_blurred);
  RecordProperty("crisp", m_crisp.to_json().dump());
  RecordProperty("blurred", m_blurred.to_json().dump());

  // The blurred prediction is right in the bulk (its pixel accuracy is within 3
  // points of the crisp one's, 0.950 vs 0.972) ...
  EXPECT_GT(m_blurred.pixel_acc, 0.9) << m_blurred.to_json().dump();
  // ... yet its boundaries are worse (BF 0.94 vs 1.0 at band 2; recall suffers:
  // rounded corners), a larger gap than the pixel accuracy shows.
  EXPECT_LT(m_blurred.boundary_f(), m_crisp.boundary_f());
  EXPECT_EQ(m_crisp.boundary_f(), 1.0);  // a 1-pixel shift is inside the 2-pixel band
  EXPECT_GT(m_crisp.boundary_f() - m_blurred.boundary_f(), m_crisp.pixel_acc - m_blurred.pixel_acc)
      << "crisp " << m_crisp.to_json().dump() << "\nblurred " << m_blurred.to_json().dump();
  // With a 1-pixel band the ordering holds too.
  BoundaryFScore tight_crisp(1), tight_blurred(1);
  tight_crisp.add(crisp.v, gt.v, 1, 64, 64);
  tight_blurred.add(blurred.v, gt.v, 1, 64, 64);
  EXPECT_LT(tight_blurred.f_score(), tight_crisp.f_score());
}

}  // namespace
}  // namespace atrous
