#include "data/class_stats.hpp"

#include <exception>

namespace atrous {

std::vector<int64_t> class_pixel_counts(const Dataset& dataset, Split split, int64_t limit) {
  const int64_t n = limit > 0 ? std::min(limit, dataset.size(split)) : dataset.size(split);
  const auto k = static_cast<size_t>(dataset.classes());
  const bool ignore = dataset.has_ignore_label();  // audio: 255 is a class
  std::vector<int64_t> total(k, 0);
  std::exception_ptr failure;
#pragma omp parallel
  {
    std::vector<int64_t> local(k, 0);
#pragma omp for schedule(dynamic)
    for (int64_t i = 0; i < n; ++i) {
      try {
        for (uint8_t label : dataset.get(split, i).mask)
          if ((!ignore || label != kIgnoreLabel) && label < k) ++local[label];
      } catch (...) {
#pragma omp critical
        if (!failure) failure = std::current_exception();
      }
    }
#pragma omp critical
    for (size_t c = 0; c < k; ++c) total[c] += local[c];
  }
  if (failure) std::rethrow_exception(failure);
  return total;
}

std::vector<double> class_frequencies(const std::vector<int64_t>& counts) {
  int64_t sum = 0;
  for (int64_t c : counts) sum += c;
  std::vector<double> f(counts.size(), 0.0);
  if (sum == 0) return f;
  for (size_t c = 0; c < counts.size(); ++c) f[c] = static_cast<double>(counts[c]) / static_cast<double>(sum);
  return f;
}

std::vector<double> inverse_frequency_weights(const std::vector<int64_t>& counts) {
  int64_t sum = 0, present = 0;
  for (int64_t c : counts) {
    sum += c;
    present += c > 0;
  }
  std::vector<double> w(counts.size(), 0.0);
  for (size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0)
      w[c] = static_cast<double>(sum) / (static_cast<double>(present) * static_cast<double>(counts[c]));
  return w;
}

}  // namespace atrous
