#pragma once
// Gridding (Wang et al. 2018, "hybrid dilated convolution"): a stack of dilated
// convolutions whose rates share a factor, such as [2, 2, 2, 2], samples its input
// on a lattice; the pixels between the lattice points have no path to the output
// pixel at all. Those structural holes have exactly zero gradient, so the score
// counts pixels of the theoretical window whose mass is exactly 0.0.
//
// Exact zero is right for holes (no path, no floating-point arithmetic reaches
// them) but random weights or dead ReLUs can also give an exact zero for a single
// sample; the mass is averaged over samples of |gradient|, which makes such
// accidents vanishingly unlikely (and impossible with positive weights and no ReLU).
#include <cstdint>
#include <nlohmann/json.hpp>

#include "analysis/effective_rf.hpp"

namespace atrous {

struct GriddingScore {
  int64_t holes = 0;   // pixels of the theoretical window with zero mass
  int64_t pixels = 0;  // pixels of the theoretical window (inside the input)
  double score() const { return pixels > 0 ? static_cast<double>(holes) / static_cast<double>(pixels) : 0.0; }
};

GriddingScore gridding_score(const ErfMap& map);

}  // namespace atrous
