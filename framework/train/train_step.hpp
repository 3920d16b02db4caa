#pragma once
// One optimisation step: forward (training mode), loss on full-resolution
// logits, backward, optimiser update. Shared by the trainer and the benchmark so
// that what `atrous bench` times is exactly what training runs.
#include <cstdint>
#include <memory>
#include <span>

#include "nn/graph.hpp"
#include "train/collective.hpp"
#include "train/gradient_allreduce.hpp"
#include "train/loss.hpp"
#include "train/optimizer.hpp"

namespace atrous {

class TrainStep {
 public:
  TrainStep(Graph& graph, LossConfig loss, std::unique_ptr<Optimizer> optimizer);
  // Runs step number `step` (used by random layers) at learning rate `lr`.
  LossValue run(const Tensor& images, std::span<const uint8_t> labels, double lr, int64_t step);
  Optimizer& optimizer() { return *optimizer_; }
  // Data-parallel training over `comm`'s processes, each running this step on its shard of
  // the global batch: the loss is normalised over the global batch (its totals summed over
  // the processes) and the gradients are summed before the update, so every process makes
  // the one-process update of the global batch. Call before the first run().
  void set_data_parallel(Collective& comm);
  const GradientAllreduce* gradient_allreduce() const { return allreduce_.get(); }

 private:
  Graph& graph_;
  LossConfig loss_;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<NamedParam> params_;
  Tensor grad_logits_;
  std::unique_ptr<GradientAllreduce> allreduce_;
};

}  // namespace atrous
