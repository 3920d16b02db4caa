#include "eval/evaluator.hpp"

#include "core/error.hpp"
#include "eval/argmax.hpp"

namespace atrous {

Evaluator::Evaluator(const EvalOptions& options)
    : options_(options),
      cm_(options.num_classes, options.ignore_label),
      bf_(options.boundary_band, options.ignore_label) {}

void Evaluator::add(const Tensor& logits, std::span<const uint8_t> labels) {
  const Dims d = logits.dims();
  check(d.size() == 4, "evaluator: logits must be N×K×H×W, got {}", dims_str(d));
  check(classes_for_logits(d[1]) == options_.num_classes, "evaluator: logits with {} channels for {} classes", d[1],
        options_.num_classes);
  const std::vector<float> plain = logits.to_vector();
  const auto predictions = argmax_labels(plain.data(), d[0], d[1], d[2], d[3]);
  if (!options_.likelihood) return add_predictions(predictions, labels, d[0], d[2], d[3]);
  // Likelihood first: like the boundary counts it validates before the confusion
  // matrix changes, so a throw leaves every count unchanged.
  LikelihoodSum batch_nll;
  batch_nll.add(plain.data(), d[0], d[1], d[2], d[3], labels, options_.ignore_label);
  add_predictions(predictions, labels, d[0], d[2], d[3]);
  nll_.merge(batch_nll);
}

void Evaluator::add_predictions(std::span<const uint8_t> predictions, std::span<const uint8_t> labels, int64_t n,
                                int64_t h, int64_t w) {
  check(static_cast<int64_t>(labels.size()) == n * h * w, "evaluator: {} labels for {}x{}x{} predictions",
        labels.size(), n, h, w);
  // Boundary counts first: they validate sizes only, while the confusion matrix
  // also validates values; a throw from either leaves both unchanged.
  BoundaryFScore batch_bf(options_.boundary_band, options_.ignore_label);
  if (options_.boundary) batch_bf.add(predictions, labels, n, h, w);
  cm_.add(predictions, labels);
  bf_.merge(batch_bf);
}

void Evaluator::merge(const Evaluator& other) {
  check(other.options_.boundary == options_.boundary, "evaluator: cannot merge with and without boundary F-score");
  check(other.options_.likelihood == options_.likelihood, "evaluator: cannot merge with and without likelihood");
  cm_.merge(other.cm_);
  bf_.merge(other.bf_);
  nll_.merge(other.nll_);
}

void Evaluator::reset() {
  cm_.reset();
  bf_.reset();
  nll_.reset();
}

Metrics Evaluator::metrics() const {
  Metrics m = options_.boundary ? compute_metrics(cm_, bf_) : compute_metrics(cm_);
  if (options_.likelihood) m.bits_per_sample = nll_.bits_per_sample();
  if (!options_.per_class) m.acc_per_class.clear(), m.iou_per_class.clear(), m.dice_per_class.clear();
  return m;
}

}  // namespace atrous
