#pragma once
// Evaluator: what a validation loop feeds batch by batch — logits (or ready
// predictions) and labels in, Metrics out. Owns a ConfusionMatrix, unless
// disabled a BoundaryFScore and, when asked, a LikelihoodSum (bits per sample).
#include <cstdint>
#include <span>

#include "core/tensor.hpp"
#include "eval/boundary_f.hpp"
#include "eval/confusion_matrix.hpp"
#include "eval/likelihood.hpp"
#include "eval/metrics.hpp"

namespace atrous {

struct EvalOptions {
  int num_classes = 0;  // 2 for a single-channel (sigmoid) model, see classes_for_logits
  int ignore_label = kDefaultIgnoreLabel;
  bool boundary = true;  // the boundary F-score costs two distance transforms per image
  int boundary_band = kDefaultBoundaryBand;
  // The labels' negative log-likelihood under the softmax of the logits (audio:
  // bits per sample). Only add() with logits can feed it, and K must be >= 2.
  bool likelihood = false;
  // The per-class lists (acc, IoU, Dice). Off for audio: 256 mu-law codes' IoUs
  // would be 256 stored metrics per epoch and a 256-column report table, and
  // say nothing the likelihood does not.
  bool per_class = true;
};

class Evaluator {
 public:
  explicit Evaluator(const EvalOptions& options);

  // logits: N×K×H×W in any layout (K == num_classes, or 1 for a binary model);
  // labels: N×H×W uint8.
  void add(const Tensor& logits, std::span<const uint8_t> labels);
  void add_predictions(std::span<const uint8_t> predictions, std::span<const uint8_t> labels, int64_t n, int64_t h,
                       int64_t w);
  void merge(const Evaluator& other);
  void reset();

  const ConfusionMatrix& confusion() const { return cm_; }
  Metrics metrics() const;

 private:
  EvalOptions options_;
  ConfusionMatrix cm_;
  BoundaryFScore bf_;
  LikelihoodSum nll_;
};

}  // namespace atrous
