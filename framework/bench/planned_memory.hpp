#pragma once
// The graph's own figure for the memory a pass needs, beside the measured peak RSS
// in `atrous bench`. Today it is nn/memory_plan's training estimate (there is no
// inference figure yet); when the graph plans its memory (issue #15), these two
// functions read the real plan instead, and nothing else in bench/ changes.
#include <cstdint>
#include <optional>

#include "nn/graph.hpp"

namespace atrous::bench {

// Where the figures come from, printed beside them.
inline constexpr const char* kPlannedMemorySource = "nn/memory_plan plan_training_memory (estimate)";

// Bytes a training step of `batch` images of height × width needs by the plan, with
// `optimizer_arrays` optimizer buffers per trainable parameter (SGD with momentum: 1).
std::optional<double> planned_training_bytes(const Graph& graph, int64_t batch, int64_t height, int64_t width,
                                             int64_t optimizer_arrays);
// Bytes an inference pass needs by the plan; nullopt while there is no plan for it.
std::optional<double> planned_inference_bytes(const Graph& graph, int64_t batch, int64_t height, int64_t width);

}  // namespace atrous::bench
