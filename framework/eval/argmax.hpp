#pragma once
// Class predictions from a network's logits.
#include <cstdint>
#include <vector>

#include "core/tensor.hpp"

namespace atrous {

// Number of classes a confusion matrix needs for logits with `channels` channels:
// a single channel is a binary (sigmoid) model, i.e. two classes {0, 1}.
inline int classes_for_logits(int64_t channels) { return channels == 1 ? 2 : static_cast<int>(channels); }

// Per-pixel argmax over channels of plain NCHW logits → uint8 N×H×W.
// Ties go to the lowest class index. K == 1 is a binary sigmoid model: class 1
// when the logit is > 0 (probability > 0.5), else 0. K must be in [1, 256]:
// 256 is an audio model's mu-law classes, whose datasets have no ignore label
// (segmentation datasets have at most 255 classes, so no prediction of theirs
// equals the ignore label 255).
std::vector<uint8_t> argmax_labels(const float* nchw, int64_t n, int64_t k, int64_t h, int64_t w);

// Same for a rank-4 Tensor in any layout (blocked layouts are reordered to plain first).
std::vector<uint8_t> argmax_labels(const Tensor& logits);

}  // namespace atrous
