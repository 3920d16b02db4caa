#include "bench/planned_memory.hpp"

#include "nn/memory_plan.hpp"

namespace atrous::bench {

std::optional<double> planned_training_bytes(const Graph& graph, int64_t batch, int64_t height, int64_t width,
                                             int64_t optimizer_arrays) {
  return plan_training_memory(graph, batch, height, width, optimizer_arrays).total();
}

std::optional<double> planned_inference_bytes(const Graph& graph, int64_t batch, int64_t height, int64_t width) {
  return graph.planned_bytes(batch, height, width, /*training=*/false) +
         static_cast<double>(graph.parameter_count(true)) * sizeof(float);
}

}  // namespace atrous::bench
