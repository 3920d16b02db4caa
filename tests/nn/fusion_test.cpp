// Graph::fuse() must not change what a graph computes: the same graph built
// twice with the same initialisation, one fused, gives the same outputs and the
// same input and parameter gradients, in training and in inference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"

namespace atrous {
namespace {

using nlohmann::json;

json conv(int64_t out) { return json{{"out", out}, {"kernel", 3}}; }

struct FusionCase {
  const char* label;
  std::function<void(Graph&)> build;  // adds layers after the input "x" (3 x 6 x 5)
  int expected_fusions;
};

void PrintTo(const FusionCase& c, std::ostream* os) { *os << c.label; }

const FusionCase kCases[] = {
    {"conv_relu",
     [](Graph& g) {
       g.add("c1", create_layer("conv", conv(20)), {"x"});
       g.add("r1", create_layer("relu", json::object()), {"c1"});
     },
     1},
    {"conv_leaky_relu",
     [](Graph& g) {
       g.add("c1", create_layer("conv", conv(16)), {"x"});
       g.add("r1", create_layer("leaky_relu", json{{"negative_slope", 0.2}}), {"c1"});
     },
     1},
    {"conv_batchnorm_relu",
     [](Graph& g) {
       g.add("c1", create_layer("conv", json{{"out", 20}, {"kernel", 3}, {"bias", false}}), {"x"});
       g.add("bn1", create_layer("batchnorm", json::object()), {"c1"});
       g.add("r1", create_layer("relu", json::object()), {"bn1"});
     },
     1},
    // oneDNN's batch norm fuses only slope 0, and a negative slope is never fused.
    {"conv_batchnorm_leaky_and_negative_leaky_not_fused",
     [](Graph& g) {
       g.add("c1", create_layer("conv", conv(16)), {"x"});
       g.add("bn1", create_layer("batchnorm", json::object()), {"c1"});
       g.add("r1", create_layer("leaky_relu", json{{"negative_slope", 0.1}}), {"bn1"});
       g.add("c2", create_layer("conv", conv(3)), {"r1"});
       g.add("r2", create_layer("leaky_relu", json{{"negative_slope", -0.5}}), {"c2"});
     },
     0},
    // c1 feeds the ReLU and c2: fusing would hand c2 the rectified tensor.
    {"branch_not_fused",
     [](Graph& g) {
       g.add("c1", create_layer("conv", conv(16)), {"x"});
       g.add("r1", create_layer("relu", json::object()), {"c1"});
       g.add("c2", create_layer("conv", conv(16)), {"c1"});
       g.add("sum", create_layer("add", json::object()), {"r1", "c2"});
     },
     0},
    // All of the above in one graph: r1 and r3 fuse, r2 (its conv also feeds the
    // concat) does not.
    {"mixed",
     [](Graph& g) {
       g.add("c1", create_layer("conv", conv(16)), {"x"});
       g.add("r1", create_layer("relu", json::object()), {"c1"});
       g.add("c2", create_layer("conv", conv(5)), {"r1"});
       g.add("r2", create_layer("leaky_relu", json::object()), {"c2"});
       g.add("cat", create_layer("concat", json::object()), {"r2", "c2", "r1"});
       g.add("c3", create_layer("conv", conv(20)), {"cat"});
       g.add("bn3", create_layer("batchnorm", json::object()), {"c3"});
       g.add("r3", create_layer("relu", json::object()), {"bn3"});
       g.add("drop", create_layer("dropout", json{{"p", 0.2}}), {"r3"});
     },
     2},
};

class FusionCases : public ::testing::TestWithParam<FusionCase> {};

Graph build(const FusionCase& tc) {
  Graph g;
  g.add_input("x", {3, 6, 5});
  tc.build(g);
  g.init(17);
  // Non-default batch-norm parameters and running statistics, so that the
  // inference path and the ReLU cut-off are not trivial.
  for (auto& np : g.params()) {
    auto& v = np.param->value;
    for (size_t i = 0; i < v.size(); ++i) {
      const float k = static_cast<float>(i % 7);
      if (np.param->name == "running_mean") v[i] = 0.1f * k - 0.3f;
      if (np.param->name == "running_var") v[i] = 0.5f + 0.2f * k;
      if (np.param->role == Param::Role::norm && np.name.ends_with(".weight")) v[i] = 0.8f + 0.05f * k;
      if (np.param->role == Param::Role::norm && np.name.ends_with(".bias")) v[i] = 0.1f * k - 0.2f;
    }
  }
  g.set_step(3);
  return g;
}

// max |a - b| <= kTol * max(1, max |a|). The fused and unfused graphs do the same
// arithmetic; at most oneDNN picks a different kernel variant for a primitive
// with a post-op, which changes float32 summation order (relative error ~1e-6
// for the few hundred terms of these convolutions).
constexpr double kTol = 1e-5;

void expect_close(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  double scale = 1.0, worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, static_cast<double>(std::abs(a[i])));
    worst = std::max(worst, static_cast<double>(std::abs(a[i] - b[i])));
  }
  EXPECT_LE(worst, kTol * scale) << what;
}

TEST_P(FusionCases, FusedGraphComputesTheSameValuesAndGradients) {
  const auto& tc = GetParam();
  for (int64_t n : {1, 2})
    for (bool training : {true, false}) {
      const std::string where = std::string(training ? "training" : "inference") + ", N=" + std::to_string(n);
      Graph plain = build(tc), fused = build(tc);
      ASSERT_EQ(fused.fuse(), tc.expected_fusions);
      EXPECT_EQ(plain.nodes().size(), fused.nodes().size() + static_cast<size_t>(tc.expected_fusions));
      Tensor x = testing::random_tensor({n, 3, 6, 5}, 23);
      const auto ya = plain.forward(x, training).to_vector();
      const auto yb = fused.forward(x, training).to_vector();
      expect_close(ya, yb, "output, " + where);
      Tensor go = testing::random_tensor(plain.value(plain.output_name()).dims(), 29);
      plain.backward(go, true);
      fused.backward(go, true);
      expect_close(plain.gradient("x").to_vector(), fused.gradient("x").to_vector(), "d/dx, " + where);
      auto pa = plain.params(), pb = fused.params();
      ASSERT_EQ(pa.size(), pb.size());
      for (size_t i = 0; i < pa.size(); ++i) {
        ASSERT_EQ(pa[i].name, pb[i].name);
        expect_close(pa[i].param->grad, pb[i].param->grad, "d/d" + pa[i].name + ", " + where);
        expect_close(pa[i].param->value, pb[i].param->value, pa[i].name + " after the step, " + where);
      }
    }
}

TEST_P(FusionCases, FusedGraphGradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  for (bool training : {true, false}) {
    Graph g = build(tc);
    g.fuse();
    testing::GradCheckOptions o;
    o.training = training;
    // A perturbation of 1e-2 moves ~1/3 of the elements' ReLU inputs across
    // zero somewhere; with 1e-3 that drops to a few percent, and those pass on
    // the one-sided difference from the kink-free side. Float32 round-off in the
    // loss (~1e-6) over 2 eps stays below atol.
    o.eps = 1e-3;
    o.allow_kinks = true;
    auto res = testing::check_gradients(g, {{"x", testing::random_tensor({2, 3, 6, 5}, 31)}}, o);
    EXPECT_GT(res.checked, 0);
    EXPECT_EQ(res.failed, 0) << (training ? "training\n" : "inference\n") << res.report;
    // The one-sided fallback must stay the exception, or it would hide errors.
    EXPECT_LE(res.kinks, res.checked / 10) << res.kinks << " kinks in " << res.checked << " checks";
  }
}

INSTANTIATE_TEST_SUITE_P(Fusion, FusionCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace atrous
