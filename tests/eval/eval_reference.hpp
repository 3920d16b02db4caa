#pragma once
// Naive references for the evaluation metrics: direct transcriptions of the
// definitions, quadratic where the library is linear, written for clarity.
#include <cstdint>
#include <limits>
#include <vector>

#include "eval/boundary_f.hpp"

namespace atrous::testing {

// A label map of h×w pixels (row-major).
struct LabelMap {
  int64_t h = 0, w = 0;
  std::vector<uint8_t> v;
  LabelMap(int64_t h_, int64_t w_, uint8_t fill = 0) : h(h_), w(w_), v(static_cast<size_t>(h_ * w_), fill) {}
  uint8_t& at(int64_t y, int64_t x) { return v[static_cast<size_t>(y * w + x)]; }
  uint8_t at(int64_t y, int64_t x) const { return v[static_cast<size_t>(y * w + x)]; }
  // Sets the rectangle [y0, y1) × [x0, x1) to `label`.
  LabelMap& fill(int64_t y0, int64_t y1, int64_t x0, int64_t x1, uint8_t label);
};

// Row-major K×K counts (row = label, column = prediction) by a plain loop.
std::vector<int64_t> confusion_reference(const std::vector<uint8_t>& prediction, const std::vector<uint8_t>& label,
                                         int k, int ignore_label);

// Squared Euclidean distance from every pixel to the nearest set pixel, by
// trying every set pixel; kNoSite when there is none.
inline constexpr int64_t kNoSite = std::numeric_limits<int64_t>::max();
std::vector<int64_t> distance_reference(const std::vector<uint8_t>& mask, int64_t h, int64_t w);

// Boundary counts straight from the definition (boundary_f.hpp): a pixel is a
// boundary pixel when neither it nor a 4-neighbour has the ignore label and a
// 4-neighbour has another label; matched when some boundary pixel of the other
// map is at squared distance <= band², searched over all pixels.
BoundaryCounts boundary_reference(const LabelMap& prediction, const LabelMap& ground_truth, int band,
                                  int ignore_label);

// Per-pixel argmax over channels of plain NCHW logits (lowest index on ties;
// logit > 0 for a single channel).
std::vector<uint8_t> argmax_reference(const std::vector<float>& nchw, int64_t n, int64_t k, int64_t h, int64_t w);

// Random blobs: `count` axis-aligned rectangles and discs of random classes in
// [0, k) painted over a background of class 0.
LabelMap random_blobs(int64_t h, int64_t w, int k, int count, uint64_t seed);

}  // namespace atrous::testing
