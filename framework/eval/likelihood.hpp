#pragma once
// The likelihood a model gives the true labels: summed softmax cross-entropy
// (negative log-likelihood, in nats) over counted pixels. For audio, where a
// "pixel" is the next sample, its mean in bits is the bits per sample a
// compressor driven by the model would need: mean nats / ln 2.
#include <cstdint>
#include <span>

namespace atrous {

class LikelihoodSum {
 public:
  // logits: plain N×K×H×W, K >= 2; labels: N×H×W. Pixels labelled ignore_label
  // (-1: none) are skipped; any other label must be < K. Sums in double, per
  // image in parallel, added in image order (independent of the thread count).
  void add(const float* logits, int64_t n, int64_t k, int64_t h, int64_t w, std::span<const uint8_t> labels,
           int ignore_label);
  void merge(const LikelihoodSum& other);
  void reset() { *this = {}; }

  double nats() const { return nats_; }
  int64_t count() const { return count_; }
  // Mean negative log-likelihood in bits; NaN when nothing was counted.
  double bits_per_sample() const;

 private:
  double nats_ = 0;
  int64_t count_ = 0;
};

}  // namespace atrous
