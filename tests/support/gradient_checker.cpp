#include "support/gradient_checker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/rng.hpp"

namespace atrous::testing {

Tensor random_tensor(const Dims& dims, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(product(dims)));
  for (auto& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return Tensor::from_plain(dims, v);
}

namespace {

double loss(Graph& g, const std::map<std::string, const Tensor*>& in, const std::vector<float>& r, bool training) {
  const Tensor& out = g.forward(in, training);
  const auto y = out.to_vector();
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * r[i];
  return s;
}

std::vector<size_t> sample(size_t n, int max, Rng& rng) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  if (n <= static_cast<size_t>(max)) return idx;
  for (size_t i = 0; i < static_cast<size_t>(max); ++i) std::swap(idx[i], idx[i + rng.below(n - i)]);
  idx.resize(static_cast<size_t>(max));
  return idx;
}

}  // namespace

GradCheckResult check_gradients(Graph& graph, std::map<std::string, Tensor> inputs, const GradCheckOptions& o) {
  std::map<std::string, const Tensor*> in;
  for (auto& [k, v] : inputs) in[k] = &v;
  Rng rng(o.seed);
  const Tensor& out0 = graph.forward(in, o.training);
  const Dims out_dims = out0.dims();
  std::vector<float> r(static_cast<size_t>(product(out_dims)));
  for (auto& x : r) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  Tensor grad_out = Tensor::from_plain(out_dims, r);
  graph.backward(grad_out, o.check_inputs);

  GradCheckResult res;
  const double l0 = o.allow_kinks ? loss(graph, in, r, o.training) : 0.0;
  auto within = [&](double analytic, double numeric) {
    return std::abs(analytic - numeric) <= o.atol + o.rtol * std::max(std::abs(analytic), std::abs(numeric));
  };
  auto compare = [&](const std::string& what, size_t i, double analytic, double lp, double lm) {
    const double numeric = (lp - lm) / (2 * o.eps);
    if (o.allow_kinks && !within(analytic, numeric) &&
        (within(analytic, (lp - l0) / o.eps) || within(analytic, (l0 - lm) / o.eps))) {
      res.checked++;
      res.kinks++;
      return;
    }
    const double err = std::abs(analytic - numeric);
    res.checked++;
    res.worst_abs_error = std::max(res.worst_abs_error, err);
    if (err > o.atol + o.rtol * std::max(std::abs(analytic), std::abs(numeric))) {
      if (res.failed < 8)
        res.report += fmt::format("  {}[{}]: analytic {:.6g} numeric {:.6g}\n", what, i, analytic, numeric);
      res.failed++;
    }
  };

  // Copy analytic gradients before the perturbed forward passes overwrite state.
  std::map<std::string, std::vector<float>> input_grads;
  if (o.check_inputs)
    for (auto& [name, t] : inputs) input_grads[name] = graph.gradient(name).to_vector();
  std::vector<std::pair<NamedParam, std::vector<float>>> param_grads;
  for (auto& np : graph.params())
    if (np.param->trainable()) param_grads.push_back({np, np.param->grad});

  for (auto& [name, t] : inputs) {
    if (!o.check_inputs) break;
    std::vector<float> x = t.to_vector();
    for (size_t i : sample(x.size(), o.max_checks_per_tensor, rng)) {
      const float orig = x[i];
      x[i] = static_cast<float>(orig + o.eps);
      t.copy_from_plain(x.data(), static_cast<int64_t>(x.size()));
      const double lp = loss(graph, in, r, o.training);
      x[i] = static_cast<float>(orig - o.eps);
      t.copy_from_plain(x.data(), static_cast<int64_t>(x.size()));
      const double lm = loss(graph, in, r, o.training);
      x[i] = orig;
      t.copy_from_plain(x.data(), static_cast<int64_t>(x.size()));
      compare("d/d" + name, i, input_grads[name][i], lp, lm);
    }
  }
  for (auto& [np, grad] : param_grads) {
    auto& v = np.param->value;
    for (size_t i : sample(v.size(), o.max_checks_per_tensor, rng)) {
      const float orig = v[i];
      v[i] = static_cast<float>(orig + o.eps);
      const double lp = loss(graph, in, r, o.training);
      v[i] = static_cast<float>(orig - o.eps);
      const double lm = loss(graph, in, r, o.training);
      v[i] = orig;
      compare("d/d" + np.name, i, grad[i], lp, lm);
    }
  }
  return res;
}

namespace {

void compare_one(GradCheckResult& res, const GradCheckOptions& o, const std::string& what, size_t i,
                 double analytic, double numeric) {
  const double err = std::abs(analytic - numeric);
  res.checked++;
  res.worst_abs_error = std::max(res.worst_abs_error, err);
  if (err > o.atol + o.rtol * std::max(std::abs(analytic), std::abs(numeric))) {
    if (res.failed < 8)
      res.report += fmt::format("  {}[{}]: analytic {:.6g} numeric {:.6g}\n", what, i, analytic, numeric);
    res.failed++;
  }
}

}  // namespace

GradCheckResult check_function_gradient(const std::function<double(const std::vector<float>&)>& f,
                                        std::vector<float> x, const std::vector<float>& analytic,
                                        const GradCheckOptions& o) {
  Rng rng(o.seed);
  GradCheckResult res;
  for (size_t i : sample(x.size(), o.max_checks_per_tensor, rng)) {
    const float orig = x[i];
    x[i] = static_cast<float>(orig + o.eps);
    const double lp = f(x);
    x[i] = static_cast<float>(orig - o.eps);
    const double lm = f(x);
    x[i] = orig;
    compare_one(res, o, "d/dx", i, analytic[i], (lp - lm) / (2 * o.eps));
  }
  return res;
}

}  // namespace atrous::testing
