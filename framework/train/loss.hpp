#pragma once
// Segmentation losses on full-resolution logits: softmax cross-entropy (with
// optional class weights), soft Dice, and their weighted sum; with a single
// channel, sigmoid + binary cross-entropy and sigmoid Dice.
//
// Sums run over fixed-size pixel chunks whose partials are added serially in
// chunk order, so the result does not depend on the number of OpenMP threads.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/tensor.hpp"

namespace atrous {

struct LossConfig {
  double ce_weight = 1.0;
  double dice_weight = 0.0;
  double dice_smooth = 1.0;
  // Per-label weights of the cross-entropy (PyTorch's weighted mean). Empty: all 1.
  // C entries for C > 1 channels; 2 entries (label 0, label 1) in the binary case.
  std::vector<float> class_weights;
  // Labels equal to it contribute nothing; -1: none. The trainer takes it from the
  // dataset (ignore_label_of): 255, or -1 for audio, whose code 255 is a class.
  int ignore_index = 255;
  // Data-parallel training (train/train_step.hpp): sums the loss's totals (weights, weighted
  // losses, pixel count, Dice sums) over every process's shard of the global batch in place,
  // so that the value and the gradient are those of the whole global batch. Empty: one process.
  std::function<void(std::span<double>)> reduce_totals;
};

struct LossValue {
  double total = 0;    // ce_weight * ce + dice_weight * dice
  double ce = 0;       // (binary) cross-entropy, weighted mean over non-ignored pixels
  double dice = 0;     // 1 - mean Dice coefficient
  int64_t pixels = 0;  // non-ignored pixels
};

// The buffers of the loss (a plain copy of the logits when they arrive in a
// blocked layout, per-chunk partial sums), kept so that repeated calls with the
// same shape allocate nothing. One workspace per concurrent caller.
class LossWorkspace {
 public:
  // logits: N x C x H x W in any layout; labels: N*H*W values in NHW order.
  // grad_logits, when not null, is ensure()d to plain NCHW and receives dLoss/dlogits
  // (zero at ignored pixels).
  LossValue compute(const Tensor& logits, std::span<const uint8_t> labels, const LossConfig& config,
                    Tensor* grad_logits);

 private:
  Tensor plain_;
  CachedReorder reorder_;
  std::vector<double> partials_;        // per chunk: see loss.cpp
  std::vector<double> sums_;            // per Dice class: intersection, sum p, sum y
  std::vector<float> dice_a_, dice_b_;  // per Dice class: D / den, 2 / den
};

// The same over a per-thread workspace.
LossValue segmentation_loss(const Tensor& logits, std::span<const uint8_t> labels, const LossConfig& config,
                            Tensor* grad_logits);

}  // namespace atrous
