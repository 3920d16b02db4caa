#pragma once
// The order the resolved model lists its layers in: every layer after its
// inputs, and otherwise the written order.
#include <cstddef>
#include <vector>

#include "model/expansion.hpp"

namespace atrous::expansion {

// Indices into `layers` (whose `inputs` are resolved), each layer after the
// layers it reads; the written order whenever that is already valid. A cycle
// is a located error naming its layers along the data flow.
std::vector<size_t> topological_order(const std::vector<PendingLayer>& layers);

}  // namespace atrous::expansion
