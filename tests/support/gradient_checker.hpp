#pragma once
// The one shared gradient checker (as in Caffe): for a graph, compares the
// analytic gradients of L = sum(output * R), R fixed random, with central finite
// differences, for the inputs and every trainable parameter.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "nn/graph.hpp"

namespace atrous::testing {

struct GradCheckOptions {
  double eps = 1e-2;          // finite-difference step
  // |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|) must hold.
  // With eps = 1e-2 the truncation error of central differences is O(eps^2) times
  // the third derivative; float32 round-off in L is ~1e-6 relative. For smooth
  // layers both stay well below 1e-3 in the units of our O(1) inputs.
  double atol = 2e-3;
  double rtol = 2e-2;
  int max_checks_per_tensor = 60;  // sampled elements per input/parameter
  bool training = true;
  bool check_inputs = true;
  uint64_t seed = 7;
  // For graphs with ReLUs: when a perturbation moves some unit across its kink,
  // the central difference is wrong. With allow_kinks, an element whose central
  // difference fails still passes (counted in `kinks`) when the analytic value
  // matches a one-sided difference, (L(x+eps) - L(x)) / eps or
  // (L(x) - L(x-eps)) / eps: for a piecewise-linear graph the side without the
  // kink is exact. Use a small eps so that kinks on both sides stay rare.
  bool allow_kinks = false;
};

struct GradCheckResult {
  int checked = 0;
  int failed = 0;
  int kinks = 0;  // passed on a one-sided difference only (allow_kinks)
  double worst_abs_error = 0;
  std::string report;  // the first few failures, for the assertion message
};

// `inputs`: name -> plain NCHW tensor. The graph must already be built and initialised.
GradCheckResult check_gradients(Graph& graph, std::map<std::string, Tensor> inputs,
                                const GradCheckOptions& options = {});

// The same comparison for a scalar function of a flat vector (e.g. a loss of the
// logits): `analytic` is its gradient at x, checked at sampled elements against
// central differences of f.
GradCheckResult check_function_gradient(const std::function<double(const std::vector<float>&)>& f,
                                        std::vector<float> x, const std::vector<float>& analytic,
                                        const GradCheckOptions& options = {});

// Random plain tensor with values in [lo, hi].
Tensor random_tensor(const Dims& dims, uint64_t seed, float lo = -1.f, float hi = 1.f);

}  // namespace atrous::testing
