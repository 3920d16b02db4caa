// gate: tanh(first half of the channels) * sigmoid(second half), forward against
// the formula and backward against finite differences, on a plain input and
// after a convolution whose output may be blocked (nChw16c: the gate then works
// in that layout).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using nlohmann::json;

// The formula on a plain N x 2C x H x W buffer.
std::vector<float> gated(const std::vector<float>& x, int64_t n, int64_t c, int64_t hw) {
  std::vector<float> y;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c * hw; ++j) {
      const double a = x[static_cast<size_t>(i * 2 * c * hw + j)], b = x[static_cast<size_t>(i * 2 * c * hw + c * hw + j)];
      y.push_back(static_cast<float>(std::tanh(a) / (1.0 + std::exp(-b))));
    }
  return y;
}

TEST(Gate, HalvesTheChannelsAndKeepsTheLength) {
  Graph g;
  g.add_input("x", {6, 1, 50});
  g.add("gate", create_layer("gate", json::object()), {"x"});
  EXPECT_EQ(g.shape("gate"), (Shape{3, 1, 50}));
  EXPECT_EQ(g.parameter_count(), 0);
}

TEST(Gate, PlainInputMatchesTheFormula) {
  Graph g;
  g.add_input("x", {4, 2, 5});
  g.add("gate", create_layer("gate", json::object()), {"x"});
  // Large values too: the sigmoid must not overflow to NaN.
  Tensor x = testing::random_tensor({3, 4, 2, 5}, 1, -4.f, 4.f);
  std::vector<float> xv = x.to_vector();
  xv[0] = 100.f;
  xv[25] = -100.f;
  x = Tensor::from_plain({3, 4, 2, 5}, xv);
  const auto y = g.forward(x, false).to_vector();
  const auto expected = gated(xv, 3, 2, 10);
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-6) << "at " << i;
}

// The gate computes exp without library calls (so that it vectorises): over a
// dense sweep of [-30, 30] for both halves it must agree with the double formula
// to 1e-6, and saturate to exactly +-1 (tanh) and to below 1e-37 (sigmoid, whose
// exp is clamped where 2^n stays normal) far out.
TEST(Gate, AccurateOverTheWholeRange) {
  const int64_t n = 6001;
  std::vector<float> xv(static_cast<size_t>(2 * n));
  for (int64_t i = 0; i < n; ++i) {
    xv[static_cast<size_t>(i)] = -30.f + 0.01f * static_cast<float>(i);          // tanh's argument
    xv[static_cast<size_t>(n + i)] = 30.f - 0.01f * static_cast<float>(i) * 0.5f;  // sigmoid's, another sweep
  }
  Graph g;
  g.add_input("x", {2, 1, n});
  g.add("gate", create_layer("gate", json::object()), {"x"});
  const auto y = g.forward(Tensor::from_plain({1, 2, 1, n}, xv), false).to_vector();
  const auto expected = gated(xv, 1, 1, n);
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-6) << "at " << xv[i] << ", " << xv[n + i];
  Graph far;
  far.add_input("x", {2, 1, 3});
  far.add("gate", create_layer("gate", json::object()), {"x"});
  const auto f = far.forward(Tensor::from_plain({1, 2, 1, 3}, {200.f, -200.f, 1.f, 200.f, 200.f, -200.f}), false)
                     .to_vector();
  EXPECT_EQ(f[0], 1.f);
  EXPECT_EQ(f[1], -1.f);
  EXPECT_GE(f[2], 0.f);
  EXPECT_LT(f[2], 1e-37f);
}

TEST(Gate, GradientsMatchFiniteDifferences) {
  Graph g;
  g.add_input("x", {6, 1, 9});
  g.add("gate", create_layer("gate", json::object()), {"x"});
  auto res = testing::check_gradients(g, {{"x", testing::random_tensor({2, 6, 1, 9}, 3, -2.f, 2.f)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

// The input in each layout a producer may choose: nchw, nChw8c and nChw16c are
// used as they are, nhwc is reordered; all give the formula, forward and backward.
TEST(Gate, EveryInputLayoutGivesTheFormula) {
  const Dims dims{2, 32, 1, 7};
  const Tensor plain = testing::random_tensor(dims, 9, -3.f, 3.f);
  const auto xv = plain.to_vector();
  const auto expected = gated(xv, 2, 16, 7);
  std::vector<float> grad0;
  for (tag t : {tag::abcd, tag::aBcd8b, tag::aBcd16b, tag::acdb}) {
    SCOPED_TRACE(static_cast<int>(t));
    Graph g;
    g.add_input("x", {32, 1, 7});
    g.add("gate", create_layer("gate", json::object()), {"x"});
    Tensor x(md_t(dims, dnnl::memory::data_type::f32, t));
    x.copy_from_plain(xv.data(), static_cast<int64_t>(xv.size()));
    const auto y = g.forward(x, true).to_vector();
    ASSERT_EQ(y.size(), expected.size());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-6) << "at " << i;
    g.backward(testing::random_tensor({2, 16, 1, 7}, 10), /*input_grads=*/true);
    const auto grad = g.gradient("x").to_vector();
    if (grad0.empty()) grad0 = grad;
    ASSERT_EQ(grad.size(), grad0.size());
    for (size_t i = 0; i < grad.size(); ++i) ASSERT_FLOAT_EQ(grad[i], grad0[i]) << "at " << i;
  }
}

// After a convolution of 2C outputs, whatever layout it chose.
class GateAfterConv : public ::testing::TestWithParam<int64_t> {};

Graph conv_gate(int64_t c) {
  Graph g;
  g.add_input("x", {3, 1, 20});
  g.add("conv", create_layer("conv1d", json{{"out", 2 * c}, {"kernel", 2}, {"dilation", 2}}), {"x"});
  g.add("gate", create_layer("gate", json::object()), {"conv"});
  return g;
}

TEST_P(GateAfterConv, MatchesTheFormulaOnTheConvOutput) {
  const int64_t c = GetParam();
  Graph g = conv_gate(c);
  g.init(2);
  const auto y = g.forward(testing::random_tensor({2, 3, 1, 20}, 4), false).to_vector();
  const auto expected = gated(g.value("conv").to_vector(), 2, c, 20);
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5) << "at " << i;
}

TEST_P(GateAfterConv, GradientsMatchFiniteDifferences) {
  Graph g = conv_gate(GetParam());
  g.init(6);
  auto res = testing::check_gradients(g, {{"x", testing::random_tensor({2, 3, 1, 20}, 8)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

// 3: plain or reordered; 8, 16, 32: halves that blocked layouts keep contiguous.
INSTANTIATE_TEST_SUITE_P(Widths, GateAfterConv, ::testing::Values(3, 8, 16, 32),
                         [](const auto& info) { return "c" + std::to_string(info.param); });

}  // namespace
}  // namespace atrous
