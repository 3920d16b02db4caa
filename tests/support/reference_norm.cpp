#include "support/reference_norm.hpp"

#include <cmath>

#include "core/rng.hpp"

namespace atrous::testing {

namespace {
size_t at(const Nchw& s, int64_t n, int64_t c, int64_t i) { return static_cast<size_t>((n * s.c + c) * s.h * s.w + i); }
}  // namespace

BatchStats batch_stats_reference(const Nchw& s, const std::vector<float>& x) {
  BatchStats b{std::vector<double>(s.c, 0.0), std::vector<double>(s.c, 0.0)};
  const double count = static_cast<double>(s.n * s.h * s.w);
  for (int64_t c = 0; c < s.c; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < s.h * s.w; ++i) sum += x[at(s, n, c, i)];
    const double mean = sum / count;
    double sq = 0;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < s.h * s.w; ++i) sq += (x[at(s, n, c, i)] - mean) * (x[at(s, n, c, i)] - mean);
    b.mean[c] = mean;
    b.var[c] = sq / count;
  }
  return b;
}

std::vector<float> batchnorm_reference(const Nchw& s, const std::vector<float>& x, const std::vector<double>& mean,
                                       const std::vector<double>& var, const std::vector<float>& gamma,
                                       const std::vector<float>& beta, double eps) {
  std::vector<float> y(x.size());
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t c = 0; c < s.c; ++c) {
      const double g = gamma.empty() ? 1.0 : gamma[c], b = beta.empty() ? 0.0 : beta[c];
      const double inv = 1.0 / std::sqrt(var[c] + eps);
      for (int64_t i = 0; i < s.h * s.w; ++i) {
        const size_t k = at(s, n, c, i);
        y[k] = static_cast<float>(g * (x[k] - mean[c]) * inv + b);
      }
    }
  return y;
}

void running_stats_update_reference(std::vector<double>& running_mean, std::vector<double>& running_var,
                                    const BatchStats& batch, int64_t count, double momentum) {
  for (size_t c = 0; c < running_mean.size(); ++c) {
    running_mean[c] = (1 - momentum) * running_mean[c] + momentum * batch.mean[c];
    running_var[c] = (1 - momentum) * running_var[c] +
                     momentum * batch.var[c] * static_cast<double>(count) / static_cast<double>(count - 1);
  }
}

std::vector<float> leaky_relu_reference(const std::vector<float>& x, float slope) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] > 0 ? x[i] : slope * x[i];
  return y;
}

std::vector<float> concat_reference(const std::vector<std::vector<float>>& xs, const std::vector<int64_t>& channels,
                                    int64_t n, int64_t h, int64_t w) {
  int64_t total = 0;
  for (auto c : channels) total += c;
  std::vector<float> y(static_cast<size_t>(n * total * h * w));
  for (int64_t b = 0; b < n; ++b) {
    int64_t c0 = 0;
    for (size_t k = 0; k < xs.size(); ++k) {
      for (int64_t c = 0; c < channels[k]; ++c)
        for (int64_t i = 0; i < h * w; ++i)
          y[static_cast<size_t>((b * total + c0 + c) * h * w + i)] =
              xs[k][static_cast<size_t>((b * channels[k] + c) * h * w + i)];
      c0 += channels[k];
    }
  }
  return y;
}

std::vector<float> channel_slice_reference(const std::vector<float>& x, int64_t n, int64_t total, int64_t h,
                                           int64_t w, int64_t c0, int64_t c) {
  std::vector<float> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = c0; k < c0 + c; ++k)
      for (int64_t i = 0; i < h * w; ++i) y.push_back(x[static_cast<size_t>((b * total + k) * h * w + i)]);
  return y;
}

std::vector<float> add_reference(const std::vector<std::vector<float>>& xs) {
  std::vector<float> y(xs[0].size(), 0.f);
  for (size_t i = 0; i < y.size(); ++i) {
    double s = 0;
    for (const auto& x : xs) s += x[i];
    y[i] = static_cast<float>(s);
  }
  return y;
}

Tensor in_layout(const Tensor& plain, tag t) {
  Tensor out(md_t(plain.dims(), dnnl::memory::data_type::f32, t));
  const auto v = plain.to_vector();
  out.copy_from_plain(v.data(), static_cast<int64_t>(v.size()));
  return out;
}

Tensor random_tensor_away_from_zero(const Dims& dims, uint64_t seed, float min_abs) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(product(dims)));
  for (auto& x : v) {
    const float mag = static_cast<float>(rng.uniform(min_abs, 1.0));
    x = rng.uniform() < 0.5 ? -mag : mag;
  }
  return Tensor::from_plain(dims, v);
}

}  // namespace atrous::testing
