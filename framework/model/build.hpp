#pragma once
// From a resolved model to an executable graph. Building is also the last stage
// of validation: the layers check their attributes and inputs (names, types,
// sizes, channel/spatial agreement at concat and add) and say which key is at
// fault (AttrError, nn/attr_error.hpp); this file checks the dense and classes
// promises, and reports every error at the YAML location of the layer and key it
// concerns. Nothing runs: layers are created and bound to shapes only.
#include "model/resolved.hpp"
#include "nn/graph.hpp"

namespace atrous {

// The graph's input tensor is called "input"; its output is spec["output"]. The
// graph is neither fused nor initialised (call fuse() / init(seed) as needed).
Graph build_graph(const ResolvedModel& model);

// Validates only (builds and discards the graph).
void check_model(const ResolvedModel& model);

}  // namespace atrous
