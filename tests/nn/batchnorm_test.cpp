#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/batchnorm.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::Nchw;

struct BnCase {
  const char* label;
  Nchw s;
  tag layout;
  bool affine;
};

void PrintTo(const BnCase& c, std::ostream* os) { *os << c.label; }

class BnCases : public ::testing::TestWithParam<BnCase> {};

const BnCase kCases[] = {
    {"c3_n2_plain", {2, 3, 5, 4}, tag::nchw, true},
    {"c3_n1_blocked_padded", {1, 3, 4, 5}, tag::nChw16c, true},
    {"c16_n1_blocked", {1, 16, 4, 5}, tag::nChw16c, true},
    {"c20_n2_blocked_padded", {2, 20, 3, 4}, tag::nChw16c, true},
    {"c20_n2_nhwc", {2, 20, 3, 3}, tag::nhwc, true},
    {"c16_n2_plain_no_affine", {2, 16, 3, 4}, tag::nchw, false},
};

// |y - y_ref| bound for outputs of O(1..5): oneDNN accumulates the statistics in
// float32 over at most a few hundred values, a relative error of ~1e-6.
constexpr double kOutputTol = 1e-4;
// Running statistics are O(1): same float32 argument.
constexpr double kStatTol = 1e-5;

Graph bn_graph(const BnCase& tc, double momentum = 0.1) {
  Graph g;
  g.add_input("x", {tc.s.c, tc.s.h, tc.s.w});
  g.add("bn", create_layer("batchnorm", json{{"momentum", momentum}, {"affine", tc.affine}}), {"x"});
  g.init(1);
  return g;
}

BatchNorm& bn_of(Graph& g) { return dynamic_cast<BatchNorm&>(*g.nodes()[0].layer); }

// Non-trivial scale/shift and running statistics so that every term is exercised.
void set_params(BatchNorm& bn) {
  for (int64_t c = 0; c < bn.channels(); ++c) {
    if (bn.affine()) {
      bn.weight()->value[c] = 0.5f + 0.1f * static_cast<float>(c);
      bn.bias()->value[c] = 0.2f - 0.05f * static_cast<float>(c);
    }
    bn.running_mean().value[c] = 0.3f - 0.02f * static_cast<float>(c);
    bn.running_var().value[c] = 2.0f + 0.1f * static_cast<float>(c);
  }
}

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

void expect_near_all(const std::vector<float>& got, const std::vector<float>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol) << what << " at " << i;
}

void expect_stats(BatchNorm& bn, const std::vector<double>& mean, const std::vector<double>& var) {
  for (int64_t c = 0; c < bn.channels(); ++c) {
    EXPECT_NEAR(bn.running_mean().value[c], mean[c], kStatTol) << "running_mean[" << c << "]";
    EXPECT_NEAR(bn.running_var().value[c], var[c], kStatTol * std::max(1.0, var[c])) << "running_var[" << c << "]";
  }
}

TEST_P(BnCases, TrainingForwardAndRunningStatsOverTwoSteps) {
  const auto& tc = GetParam();
  const double momentum = 0.3;
  Graph g = bn_graph(tc, momentum);
  BatchNorm& bn = bn_of(g);
  set_params(bn);
  auto rm = as_double(bn.running_mean().value), rv = as_double(bn.running_var().value);
  const std::vector<float> gamma = tc.affine ? bn.weight()->value : std::vector<float>{};
  const std::vector<float> beta = tc.affine ? bn.bias()->value : std::vector<float>{};
  for (int step = 0; step < 2; ++step) {
    // Offset inputs: a non-zero batch mean that differs between the steps.
    Tensor x = testing::in_layout(testing::random_tensor(tc.s.dims(), 20 + step, -1.f + step, 2.f), tc.layout);
    const Tensor& y = g.forward(x, true);
    EXPECT_EQ(y.desc(), x.desc()) << "batchnorm must keep its input's layout";
    const auto xv = x.to_vector();
    const auto stats = testing::batch_stats_reference(tc.s, xv);
    expect_near_all(y.to_vector(), testing::batchnorm_reference(tc.s, xv, stats.mean, stats.var, gamma, beta, 1e-5),
                    kOutputTol, "training output");
    testing::running_stats_update_reference(rm, rv, stats, tc.s.n * tc.s.h * tc.s.w, momentum);
    expect_stats(bn, rm, rv);
  }
}

TEST_P(BnCases, InferenceUsesRunningStatsAndLeavesThem) {
  const auto& tc = GetParam();
  Graph g = bn_graph(tc);
  BatchNorm& bn = bn_of(g);
  set_params(bn);
  const auto rm = as_double(bn.running_mean().value), rv = as_double(bn.running_var().value);
  Tensor x = testing::in_layout(testing::random_tensor(tc.s.dims(), 30, -1.f, 2.f), tc.layout);
  const Tensor& y = g.forward(x, false);
  EXPECT_EQ(y.desc(), x.desc());
  const std::vector<float> gamma = tc.affine ? bn.weight()->value : std::vector<float>{};
  const std::vector<float> beta = tc.affine ? bn.bias()->value : std::vector<float>{};
  expect_near_all(y.to_vector(), testing::batchnorm_reference(tc.s, x.to_vector(), rm, rv, gamma, beta, 1e-5),
                  kOutputTol, "inference output");
  expect_stats(bn, rm, rv);
}

TEST_P(BnCases, GradientsMatchFiniteDifferencesInTraining) {
  const auto& tc = GetParam();
  Graph g = bn_graph(tc);
  set_params(bn_of(g));
  testing::GradCheckOptions o;
  o.training = true;
  auto res = testing::check_gradients(g, {{"x", testing::in_layout(testing::random_tensor(tc.s.dims(), 40), tc.layout)}}, o);
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

TEST_P(BnCases, GradientsMatchFiniteDifferencesInInference) {
  const auto& tc = GetParam();
  Graph g = bn_graph(tc);
  set_params(bn_of(g));
  testing::GradCheckOptions o;
  o.training = false;
  auto res = testing::check_gradients(g, {{"x", testing::in_layout(testing::random_tensor(tc.s.dims(), 41), tc.layout)}}, o);
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

// Without an input gradient oneDNN still writes diff_src: into a scratch buffer.
TEST_P(BnCases, ParameterGradientsDoNotNeedTheInputGradient) {
  const auto& tc = GetParam();
  if (!tc.affine) GTEST_SKIP() << "no parameters";
  for (bool training : {true, false}) {
    Graph g = bn_graph(tc);
    set_params(bn_of(g));
    Tensor x = testing::in_layout(testing::random_tensor(tc.s.dims(), 50), tc.layout);
    Tensor go = testing::random_tensor(tc.s.dims(), 51);
    g.forward(x, training);
    g.backward(go, true);
    const auto dw = bn_of(g).weight()->grad, db = bn_of(g).bias()->grad;
    g.forward(x, training);
    g.backward(go, false);
    EXPECT_EQ(bn_of(g).weight()->grad, dw);
    EXPECT_EQ(bn_of(g).bias()->grad, db);
  }
}

INSTANTIATE_TEST_SUITE_P(BatchNorm, BnCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(BatchNorm, ParametersFollowPyTorch) {
  Graph g;
  g.add_input("x", {20, 4, 4});
  g.add("bn", create_layer("batchnorm", json::object()), {"x"});
  g.init(0);
  auto& bn = bn_of(g);
  EXPECT_FLOAT_EQ(bn.momentum(), 0.1f);
  EXPECT_FLOAT_EQ(bn.eps(), 1e-5f);
  ASSERT_EQ(g.params().size(), 4u);
  EXPECT_EQ(g.parameter_count(), 40);  // running statistics are buffers
  for (float v : bn.weight()->value) EXPECT_EQ(v, 1.f);
  for (float v : bn.bias()->value) EXPECT_EQ(v, 0.f);
  for (float v : bn.running_mean().value) EXPECT_EQ(v, 0.f);
  for (float v : bn.running_var().value) EXPECT_EQ(v, 1.f);
  EXPECT_EQ(bn.weight()->role, Param::Role::norm);
  EXPECT_EQ(bn.running_var().role, Param::Role::buffer);
}

TEST(BatchNorm, FusesOnlyPlainRelu) {
  auto layer = create_layer("batchnorm", json::object());
  EXPECT_FALSE(layer->fuse_relu(0.1f));
  EXPECT_TRUE(layer->fuse_relu(0.f));
  EXPECT_FALSE(layer->fuse_relu(0.f));  // already fused
}

TEST(BatchNorm, RejectsBadAttributesAndSingleValueBatches) {
  EXPECT_THROW(create_layer("batchnorm", json{{"momentum", 1.5}}), Error);
  EXPECT_THROW(create_layer("batchnorm", json{{"eps", 0}}), Error);
  EXPECT_THROW(create_layer("batchnorm", json{{"momentun", 0.1}}), Error);
  Graph g;
  g.add_input("x", {4, 1, 1});
  g.add("bn", create_layer("batchnorm", json::object()), {"x"});
  g.init(0);
  Tensor x = testing::random_tensor({1, 4, 1, 1}, 3);
  EXPECT_THROW(g.forward(x, true), Error);
  EXPECT_NO_THROW(g.forward(x, false));
}

}  // namespace
}  // namespace atrous
