#pragma once
// Finding parameters that have left the finite floats. A diverging run does not
// always show it in its loss (a NaN weight behind a ReLU or a saturated softmax
// can leave the loss finite), so the trainer also checks the parameters after
// every step; a checkpoint is never written or resumed with a non-finite value.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nn/graph.hpp"

namespace atrous {

struct NonFiniteValue {
  std::string name;  // the parameter (or checkpoint tensor)
  size_t index = 0;  // of the first non-finite element
  float value = 0;   // nan, inf or -inf
  std::string describe() const;  // "parameter 'ctx3.weight' is nan (element 17)"
};

// The index of the first NaN or infinity in `values`, or values.size() when all are finite.
size_t first_non_finite(std::span<const float> values);

// The first non-finite value among the parameters, in order (buffers included).
std::optional<NonFiniteValue> find_non_finite(const std::vector<NamedParam>& params);

}  // namespace atrous
