#pragma once
// What the layers merging several inputs (add: a sum; concat: along channels)
// share: the check of their inputs' shapes.
#include <vector>

#include "nn/layer.hpp"

namespace atrous {

class MergeLayer : public Layer {
 protected:
  // For bind(): an AttrError at the inputs ("from"), naming them, unless there are
  // at least `min_inputs` and all have the first one's height and width (and
  // channels, with `same_channels`).
  void expect_agreeing_inputs(const std::vector<Shape>& inputs, size_t min_inputs, bool same_channels) const;
};

}  // namespace atrous
