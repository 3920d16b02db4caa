#pragma once
// ConfusionMatrix: pixel counts of (ground-truth class, predicted class) pairs
// accumulated over a dataset; every class metric is a function of it.
#include <cstdint>
#include <span>
#include <vector>

namespace atrous {

// Label maps are uint8 (one class index per pixel); 255 marks "not annotated".
inline constexpr int kDefaultIgnoreLabel = 255;
inline constexpr int kNoIgnoreLabel = -1;

class ConfusionMatrix {
 public:
  // num_classes in [1, 256]; ignore_label is kNoIgnoreLabel or a uint8 value that
  // is not a class index (a class cannot also be "ignored").
  explicit ConfusionMatrix(int num_classes, int ignore_label = kDefaultIgnoreLabel);

  int num_classes() const { return k_; }
  int ignore_label() const { return ignore_; }

  // Counts every pixel whose label is not the ignore label. prediction and label
  // are flattened N×H×W maps of the same size. Throws atrous::Error (leaving the
  // matrix unchanged) when a label or prediction is neither a class nor ignored.
  // OpenMP-parallel: each thread counts into its own int64 matrix and the partial
  // matrices are added in thread order, so the result never depends on scheduling.
  void add(std::span<const uint8_t> prediction, std::span<const uint8_t> label);

  // Adds another matrix with the same classes and ignore label (e.g. from another
  // shard of the dataset).
  void merge(const ConfusionMatrix& other);
  void reset();

  // Pixels of ground-truth class `label` predicted as `prediction`.
  int64_t count(int label, int prediction) const { return counts_[static_cast<size_t>(label * k_ + prediction)]; }
  // Row-major K×K counts: row = ground truth, column = prediction.
  const std::vector<int64_t>& counts() const { return counts_; }
  int64_t total() const;          // counted (non-ignored) pixels
  int64_t ignored() const { return ignored_; }  // pixels skipped because of the ignore label
  int64_t label_count(int c) const;       // row sum: pixels whose ground truth is c
  int64_t prediction_count(int c) const;  // column sum: pixels predicted as c

 private:
  int k_;
  int ignore_;
  std::vector<int64_t> counts_;
  int64_t ignored_ = 0;
};

}  // namespace atrous
