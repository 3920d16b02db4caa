#include "nn/merge.hpp"

#include "nn/attr_error.hpp"

namespace atrous {

void MergeLayer::expect_agreeing_inputs(const std::vector<Shape>& inputs, size_t min_inputs,
                                        bool same_channels) const {
  check_attr(inputs.size() >= min_inputs, kInputsKey, "needs at least {} input{} in 'from', got {}", min_inputs,
             min_inputs == 1 ? "" : "s", inputs.size());
  const Shape& first = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    check_attr(s.h == first.h && s.w == first.w, kInputsKey,
               "spatial mismatch: input {} is {} but {} is {} (height and width must agree)", input_label(0),
               first.str(), input_label(i), s.str());
    check_attr(!same_channels || s.c == first.c, kInputsKey,
               "channel mismatch: input {} is {} but {} is {} ({} needs equal channels)", input_label(0), first.str(),
               input_label(i), s.str(), type());
  }
}

}  // namespace atrous
