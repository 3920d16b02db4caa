#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/activation.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::Nchw;

struct ReluCase {
  const char* label;
  const char* type;
  float slope;  // used for leaky_relu only
  Nchw s;
  tag layout;
};

void PrintTo(const ReluCase& c, std::ostream* os) { *os << c.label; }

class ReluCases : public ::testing::TestWithParam<ReluCase> {};

const ReluCase kCases[] = {
    {"relu_c3_n2_plain", "relu", 0.f, {2, 3, 5, 4}, tag::nchw},
    {"relu_c20_n2_blocked_padded", "relu", 0.f, {2, 20, 3, 4}, tag::nChw16c},
    {"leaky_default_c16_n1_blocked", "leaky_relu", 0.01f, {1, 16, 4, 3}, tag::nChw16c},
    {"leaky_0p2_c3_n1_blocked_padded", "leaky_relu", 0.2f, {1, 3, 4, 4}, tag::nChw16c},
    {"leaky_0p2_c20_n2_nhwc", "leaky_relu", 0.2f, {2, 20, 3, 3}, tag::nhwc},
    {"leaky_negative_c16_n2_plain", "leaky_relu", -0.5f, {2, 16, 3, 2}, tag::nchw},
};

Graph relu_graph(const ReluCase& tc) {
  Graph g;
  g.add_input("x", {tc.s.c, tc.s.h, tc.s.w});
  json a = json::object();
  // 0.01 is leaky_relu's default: leave it implicit so that the default is tested.
  if (std::string(tc.type) == "leaky_relu" && tc.slope != 0.01f) a["negative_slope"] = tc.slope;
  g.add("act", create_layer(tc.type, a), {"x"});
  g.init(1);
  return g;
}

TEST_P(ReluCases, ForwardMatchesReferenceInTheInputLayout) {
  const auto& tc = GetParam();
  Graph g = relu_graph(tc);
  Tensor x = testing::in_layout(testing::random_tensor(tc.s.dims(), 3), tc.layout);
  for (bool training : {true, false}) {
    const Tensor& y = g.forward(x, training);
    EXPECT_EQ(y.desc(), x.desc());
    // Exact: one multiplication by the slope, in float32 on both sides.
    EXPECT_EQ(y.to_vector(), testing::leaky_relu_reference(x.to_vector(), tc.slope));
  }
}

TEST_P(ReluCases, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = relu_graph(tc);
  // |x| >= 0.1 > eps: the finite differences never straddle the kink.
  auto res = testing::check_gradients(
      g, {{"x", testing::in_layout(testing::random_tensor_away_from_zero(tc.s.dims(), 4), tc.layout)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Relu, ReluCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Relu, ReportsItsSlopeForFusion) {
  float slope = -1.f;
  EXPECT_TRUE(create_layer("relu", json::object())->is_relu(&slope));
  EXPECT_EQ(slope, 0.f);
  EXPECT_TRUE(create_layer("leaky_relu", json::object())->is_relu(&slope));
  EXPECT_FLOAT_EQ(slope, 0.01f);
  EXPECT_TRUE(create_layer("leaky_relu", json{{"negative_slope", 0.3}})->is_relu(&slope));
  EXPECT_FLOAT_EQ(slope, 0.3f);
  // A negative slope flips the output's sign: producers that differentiate
  // through their output cannot absorb it.
  EXPECT_FALSE(create_layer("leaky_relu", json{{"negative_slope", -0.3}})->is_relu(&slope));
  EXPECT_FALSE(create_layer("identity", json::object())->is_relu(&slope));
}

TEST(Relu, RejectsUnknownAttributes) {
  EXPECT_THROW(create_layer("relu", json{{"negative_slope", 0.1}}), Error);
  EXPECT_THROW(create_layer("leaky_relu", json{{"slope", 0.1}}), Error);
  EXPECT_THROW(create_layer("leaky_relu", json{{"negative_slope", "x"}}), Error);
}

}  // namespace
}  // namespace atrous
