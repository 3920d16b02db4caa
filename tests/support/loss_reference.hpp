#pragma once
// Naive double-precision reference of the segmentation losses (softmax / sigmoid
// cross-entropy and soft Dice) and of their gradient, written from the textbook
// formulas: probabilities first, then dLoss/dprob, then the full softmax Jacobian.
#include <cstdint>
#include <vector>

namespace atrous::testing {

struct LossRefInput {
  int64_t n, c, h, w;
  std::vector<float> logits;    // plain NCHW
  std::vector<uint8_t> labels;  // NHW
  double ce_weight = 1, dice_weight = 0, smooth = 1;
  std::vector<float> class_weights;  // empty: all 1 (binary: weights of labels 0 and 1)
  int ignore = 255;
};

struct LossRefOutput {
  double total = 0, ce = 0, dice = 0;
  int64_t pixels = 0;
  std::vector<double> grad;  // dtotal/dlogits, plain NCHW
};

LossRefOutput segmentation_loss_reference(const LossRefInput& in);

}  // namespace atrous::testing
