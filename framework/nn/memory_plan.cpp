#include "nn/memory_plan.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace atrous {

namespace {
constexpr double kFloat = sizeof(float);
double gib(double bytes) { return bytes / static_cast<double>(1ull << 30); }
}  // namespace

MemoryPlan plan_training_memory(const Graph& graph, int64_t batch, int64_t height, int64_t width,
                                int64_t optimizer_arrays) {
  MemoryPlan p;
  p.parameters = 2 * kFloat * static_cast<double>(graph.parameter_count(true));
  p.optimizer = static_cast<double>(optimizer_arrays) * kFloat * static_cast<double>(graph.parameter_count());
  p.activations = graph.planned_bytes(batch, height, width, /*training=*/true);
  return p;
}

std::optional<double> available_memory() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, unit;
    double kib = 0;
    if (fields >> key >> kib >> unit && key == "MemAvailable:" && unit == "kB") return kib * 1024;
  }
  return std::nullopt;
}

void check_memory_fits(const MemoryPlan& plan, double available) {
  if (plan.total() <= available) return;
  throw Error(fmt::format("training this model needs about {:.2f} GiB but only {:.2f} GiB is available "
                          "(MemAvailable): parameters and gradients {:.2f} GiB, optimizer state {:.2f} GiB, "
                          "activations of one batch {:.2f} GiB; reduce the model, the batch or the crop",
                          gib(plan.total()), gib(available), gib(plan.parameters), gib(plan.optimizer),
                          gib(plan.activations)),
              Error::Kind::usage);
}

}  // namespace atrous
