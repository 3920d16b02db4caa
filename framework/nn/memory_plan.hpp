#pragma once
// The memory that training a graph takes, made from shapes alone before anything
// is allocated, so that a model the machine cannot hold is refused with both
// figures (instead of a bad_alloc or the OOM killer hours later).
#include <cstdint>
#include <optional>

#include "nn/graph.hpp"

namespace atrous {

// Bytes, as doubles: a hostile model must give a huge figure, not a wrapped one.
struct MemoryPlan {
  double parameters = 0;   // every parameter's value and gradient (batch-norm statistics included)
  double optimizer = 0;    // the optimizer's state: `optimizer_arrays` per trainable value
  double activations = 0;  // the graph's arena for one training step (values, gradients, sums)
  double total() const { return parameters + optimizer + activations; }
};

// Counts parameters × (value + gradient), trainable parameters × optimizer_arrays
// (SGD with momentum 1, Adam 2), and the arena of the graph's memory plan for
// `batch` samples of height × width (Graph::planned_bytes: each value, gradient
// and sum only while it is alive, plain layouts). Not counted, so the real peak
// is higher: oneDNN scratchpads, weights reordered into blocked layouts and the
// kernels' other private buffers, blocked layouts' channel padding, evaluation
// plans at a larger size, the loader's prefetched batches, the program itself.
MemoryPlan plan_training_memory(const Graph& graph, int64_t batch, int64_t height, int64_t width,
                                int64_t optimizer_arrays);

// MemAvailable of /proc/meminfo in bytes; nullopt when it cannot be read.
std::optional<double> available_memory();

// A usage error when the plan does not fit in `available` bytes, giving both in GiB
// and the plan's parts.
void check_memory_fits(const MemoryPlan& plan, double available);

}  // namespace atrous
