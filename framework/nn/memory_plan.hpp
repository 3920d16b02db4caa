#pragma once
// A rough plan of the memory that training a graph takes, made from shapes alone
// before anything is allocated, so that a model the machine cannot hold is refused
// with both figures (instead of a bad_alloc or the OOM killer hours later).
#include <cstdint>
#include <optional>

#include "nn/graph.hpp"

namespace atrous {

// Bytes, as doubles: a hostile model must give a huge figure, not a wrapped one.
struct MemoryPlan {
  double parameters = 0;   // every parameter's value and gradient (batch-norm statistics included)
  double optimizer = 0;    // the optimizer's state: `optimizer_arrays` per trainable value
  double activations = 0;  // every layer's output value and gradient for one batch
  double total() const { return parameters + optimizer + activations; }
};

// Counts parameters × (value + gradient), trainable parameters × optimizer_arrays
// (SGD with momentum 1, Adam 2), and every layer's output × (value + gradient)
// for `batch` samples of height × width. Not counted, so the real peak is higher:
// oneDNN scratchpads and weights reordered into blocked layouts, the scratch
// gradients of tensors read by several layers, evaluation plans (other sizes,
// other batch), the loader's prefetched batches, the program itself.
MemoryPlan plan_training_memory(const Graph& graph, int64_t batch, int64_t height, int64_t width,
                                int64_t optimizer_arrays);

// MemAvailable of /proc/meminfo in bytes; nullopt when it cannot be read.
std::optional<double> available_memory();

// A usage error when the plan does not fit in `available` bytes, giving both in GiB
// and the plan's parts.
void check_memory_fits(const MemoryPlan& plan, double available);

}  // namespace atrous
