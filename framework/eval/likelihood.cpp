#include "eval/likelihood.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "core/error.hpp"

namespace atrous {

void LikelihoodSum::add(const float* logits, int64_t n, int64_t k, int64_t h, int64_t w,
                        std::span<const uint8_t> labels, int ignore_label) {
  check(k >= 2, "likelihood: {} channels; the softmax likelihood needs at least 2 classes", k);
  const int64_t hw = h * w;
  check(static_cast<int64_t>(labels.size()) == n * hw, "likelihood: {} labels for {}x{}x{} logits", labels.size(), n,
        h, w);
  std::vector<double> nats(static_cast<size_t>(n), 0.0);
  std::vector<int64_t> counted(static_cast<size_t>(n), 0), bad(static_cast<size_t>(n), -1);
#pragma omp parallel for schedule(static) if (n * hw * k >= (1 << 16))
  for (int64_t b = 0; b < n; ++b) {
    const float* x = logits + b * k * hw;
    const uint8_t* y = labels.data() + b * hw;
    for (int64_t i = 0; i < hw; ++i) {
      if (y[i] == ignore_label) continue;
      if (y[i] >= k) {
        bad[static_cast<size_t>(b)] = i;
        break;
      }
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < k; ++c) max = std::max(max, static_cast<double>(x[c * hw + i]));
      double sum = 0;
      for (int64_t c = 0; c < k; ++c) sum += std::exp(static_cast<double>(x[c * hw + i]) - max);
      nats[static_cast<size_t>(b)] += max + std::log(sum) - static_cast<double>(x[y[i] * hw + i]);
      ++counted[static_cast<size_t>(b)];
    }
  }
  for (int64_t b = 0; b < n; ++b)
    if (bad[static_cast<size_t>(b)] >= 0)
      throw Error(fmt::format("likelihood: label {} of image {} at {} is not one of the {} classes",
                              labels[static_cast<size_t>(b * hw + bad[static_cast<size_t>(b)])], b,
                              bad[static_cast<size_t>(b)], k));
  for (int64_t b = 0; b < n; ++b) {
    nats_ += nats[static_cast<size_t>(b)];
    count_ += counted[static_cast<size_t>(b)];
  }
}

void LikelihoodSum::merge(const LikelihoodSum& other) {
  nats_ += other.nats_;
  count_ += other.count_;
}

double LikelihoodSum::bits_per_sample() const {
  return count_ > 0 ? nats_ / static_cast<double>(count_) / std::numbers::ln2 : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace atrous
