#pragma once
// Naive references (plain loops over NCHW, double accumulators) for batch norm,
// (leaky) ReLU, concat and add, plus helpers to make test tensors in a chosen
// physical layout.
#include <cstdint>
#include <vector>

#include "core/tensor.hpp"

namespace atrous::testing {

struct Nchw {
  int64_t n, c, h, w;
  int64_t size() const { return n * c * h * w; }
  Dims dims() const { return {n, c, h, w}; }
};

// Per-channel batch mean and biased variance (divides by N*H*W).
struct BatchStats {
  std::vector<double> mean, var;
};
BatchStats batch_stats_reference(const Nchw& s, const std::vector<float>& x);

// y = gamma * (x - mean) / sqrt(var + eps) + beta; empty gamma/beta mean 1/0.
std::vector<float> batchnorm_reference(const Nchw& s, const std::vector<float>& x, const std::vector<double>& mean,
                                       const std::vector<double>& var, const std::vector<float>& gamma,
                                       const std::vector<float>& beta, double eps);

// PyTorch's update: running = (1 - m) * running + m * batch, with the unbiased
// batch variance var * count / (count - 1), count = N*H*W.
void running_stats_update_reference(std::vector<double>& running_mean, std::vector<double>& running_var,
                                    const BatchStats& batch, int64_t count, double momentum);

// y = x > 0 ? x : slope * x.
std::vector<float> leaky_relu_reference(const std::vector<float>& x, float slope);

// Concatenation along channels of NCHW arrays with the given channel counts.
std::vector<float> concat_reference(const std::vector<std::vector<float>>& xs, const std::vector<int64_t>& channels,
                                    int64_t n, int64_t h, int64_t w);
// The channel slice [c0, c0 + c) of an NCHW array with `total` channels.
std::vector<float> channel_slice_reference(const std::vector<float>& x, int64_t n, int64_t total, int64_t h,
                                           int64_t w, int64_t c0, int64_t c);

// Elementwise sum.
std::vector<float> add_reference(const std::vector<std::vector<float>>& xs);

// A tensor holding `plain` (NCHW values) in physical layout `t` (nchw, nhwc, nChw16c, ...).
Tensor in_layout(const Tensor& plain, tag t);
// Random values with |x| in [min_abs, 1] and random sign: finite differences with
// a step below min_abs never straddle a ReLU's kink.
Tensor random_tensor_away_from_zero(const Dims& dims, uint64_t seed, float min_abs = 0.1f);

}  // namespace atrous::testing
