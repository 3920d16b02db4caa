#include "bench/planned_memory.hpp"

#include "nn/memory_plan.hpp"

namespace atrous::bench {

std::optional<double> planned_training_bytes(const Graph& graph, int64_t batch, int64_t height, int64_t width,
                                             int64_t optimizer_arrays) {
  return plan_training_memory(graph, batch, height, width, optimizer_arrays).total();
}

std::optional<double> planned_inference_bytes(const Graph&, int64_t, int64_t, int64_t) { return std::nullopt; }

}  // namespace atrous::bench
