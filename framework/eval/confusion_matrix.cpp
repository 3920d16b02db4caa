#include "eval/confusion_matrix.hpp"

#include <omp.h>

#include <algorithm>
#include <limits>

#include "core/error.hpp"

namespace atrous {

namespace {

// Below this many pixels a parallel region costs more than it saves.
constexpr int64_t kMinParallelPixels = 1 << 15;

struct Partial {
  std::vector<int64_t> counts;
  int64_t ignored = 0;
  int64_t first_bad = std::numeric_limits<int64_t>::max();  // first invalid pixel index seen
};

}  // namespace

ConfusionMatrix::ConfusionMatrix(int num_classes, int ignore_label) : k_(num_classes), ignore_(ignore_label) {
  check(num_classes >= 1 && num_classes <= 256, "confusion matrix: {} classes (expected 1..256)", num_classes);
  check(ignore_label == kNoIgnoreLabel || (ignore_label >= num_classes && ignore_label <= 255),
        "confusion matrix: ignore label {} must be -1 (none) or a uint8 value that is not one of the {} classes",
        ignore_label, num_classes);
  counts_.assign(static_cast<size_t>(k_) * k_, 0);
}

void ConfusionMatrix::add(std::span<const uint8_t> prediction, std::span<const uint8_t> label) {
  check(prediction.size() == label.size(), "confusion matrix: {} predictions for {} labels", prediction.size(),
        label.size());
  const int64_t n = static_cast<int64_t>(label.size());
  const uint8_t* pred = prediction.data();
  const uint8_t* lab = label.data();
  const int k = k_, ignore = ignore_;
  const size_t kk = counts_.size();

  std::vector<Partial> partials(static_cast<size_t>(omp_get_max_threads()));
#pragma omp parallel if (n >= kMinParallelPixels)
  {
    const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
    Partial& part = partials[static_cast<size_t>(tid)];
    part.counts.assign(kk, 0);
    // Contiguous static slices: each thread reads one stretch of memory.
    const int64_t begin = n * tid / nt, end = n * (tid + 1) / nt;
    for (int64_t i = begin; i < end; ++i) {
      const int l = lab[i], p = pred[i];
      if (l == ignore) {
        ++part.ignored;
        continue;
      }
      if (l >= k || p >= k) {
        part.first_bad = std::min(part.first_bad, i);
        continue;
      }
      ++part.counts[static_cast<size_t>(l * k + p)];
    }
  }

  int64_t first_bad = std::numeric_limits<int64_t>::max();
  for (const auto& part : partials) first_bad = std::min(first_bad, part.first_bad);
  if (first_bad != std::numeric_limits<int64_t>::max()) {
    const auto i = static_cast<size_t>(first_bad);
    throw Error(fmt::format(
        "confusion matrix: pixel {} has label {} and prediction {}; with {} classes both must be in [0, {}]{}",
        first_bad, label[i], prediction[i], k_, k_ - 1,
        ignore_ == kNoIgnoreLabel ? std::string() : fmt::format(" (or label {} = ignored)", ignore_)));
  }
  // Merged in thread order (integer sums, so the order only matters for clarity).
  for (const auto& part : partials) {
    if (part.counts.empty()) continue;  // thread not started (region ran serially)
    for (size_t j = 0; j < kk; ++j) counts_[j] += part.counts[j];
    ignored_ += part.ignored;
  }
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
  check(other.k_ == k_ && other.ignore_ == ignore_,
        "confusion matrix: cannot merge {} classes (ignore {}) into {} classes (ignore {})", other.k_, other.ignore_,
        k_, ignore_);
  for (size_t j = 0; j < counts_.size(); ++j) counts_[j] += other.counts_[j];
  ignored_ += other.ignored_;
}

void ConfusionMatrix::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  ignored_ = 0;
}

int64_t ConfusionMatrix::total() const {
  int64_t s = 0;
  for (auto c : counts_) s += c;
  return s;
}

int64_t ConfusionMatrix::label_count(int c) const {
  int64_t s = 0;
  for (int p = 0; p < k_; ++p) s += count(c, p);
  return s;
}

int64_t ConfusionMatrix::prediction_count(int c) const {
  int64_t s = 0;
  for (int l = 0; l < k_; ++l) s += count(l, c);
  return s;
}

}  // namespace atrous
