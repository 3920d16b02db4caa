#pragma once
// What the benchmarks share: timed steps after warm-up, their median, synthetic images.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "core/tensor.hpp"

namespace atrous::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

// Runs `warmup` untimed steps, then `steps` timed ones; milliseconds per timed step.
template <typename F>
std::vector<double> time_steps(int warmup, int steps, F&& step) {
  using clock_type = std::chrono::steady_clock;
  for (int i = 0; i < warmup; ++i) step(i);
  std::vector<double> ms;
  for (int i = 0; i < steps; ++i) {
    const auto t0 = clock_type::now();
    step(warmup + i);
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
  }
  return ms;
}

inline Tensor random_images(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(n * c * h * w));
  for (auto& x : v) x = static_cast<float>(rng.normal());
  return Tensor::from_plain({n, c, h, w}, v);
}

// Labels for n images of h × w: classes 0..classes-1, or 0/1 for a one-channel (binary) output.
inline std::vector<uint8_t> random_labels(int64_t n, int64_t h, int64_t w, int64_t classes, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> labels(static_cast<size_t>(n * h * w));
  for (auto& l : labels) l = static_cast<uint8_t>(rng.below(classes == 1 ? 2 : static_cast<uint64_t>(classes)));
  return labels;
}

}  // namespace atrous::bench
