#pragma once
// The graph's own figure for the memory a pass needs, beside the measured peak RSS
// in `atrous bench`: the graph's memory plan made from the shapes alone
// (Graph::planned_bytes: plain layouts, without the kernels' workspaces) plus the
// parameters (and, in training, their gradients and the optimizer state).
#include <cstdint>
#include <optional>

#include "nn/graph.hpp"

namespace atrous::bench {

// Where the figures come from, printed beside them.
inline constexpr const char* kPlannedMemorySource =
    "Graph::planned_bytes (the arena plan from shapes, plain layouts, no kernel workspaces) + parameters";

// Bytes a training step of `batch` images of height × width needs by the plan, with
// `optimizer_arrays` optimizer buffers per trainable parameter (SGD with momentum: 1).
std::optional<double> planned_training_bytes(const Graph& graph, int64_t batch, int64_t height, int64_t width,
                                             int64_t optimizer_arrays);
// Bytes an inference pass needs by the plan (its arena, and the parameters).
std::optional<double> planned_inference_bytes(const Graph& graph, int64_t batch, int64_t height, int64_t width);

}  // namespace atrous::bench
