#include "train/train_step.hpp"

namespace atrous {

TrainStep::TrainStep(Graph& graph, LossConfig loss, std::unique_ptr<Optimizer> optimizer)
    : graph_(graph), loss_(std::move(loss)), optimizer_(std::move(optimizer)), params_(graph.params()) {}

LossValue TrainStep::run(const Tensor& images, std::span<const uint8_t> labels, double lr, int64_t step) {
  graph_.set_step(step);
  const Tensor& logits = graph_.forward(images, /*training=*/true);
  LossValue value = segmentation_loss(logits, labels, loss_, &grad_logits_);
  graph_.backward(grad_logits_);
  if (allreduce_) allreduce_->run();
  optimizer_->step(params_, lr);
  return value;
}

void TrainStep::set_data_parallel(Collective& comm) {
  loss_.reduce_totals = [&comm](std::span<double> totals) { comm.allreduce_sum(totals); };
  allreduce_ = std::make_unique<GradientAllreduce>(comm, params_);
}

}  // namespace atrous
