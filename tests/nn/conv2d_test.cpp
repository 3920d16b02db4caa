#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::ConvRef;

struct ConvCase {
  const char* label;
  ConvRef ref;
  bool bias;
};

void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.label; }

class ConvCases : public ::testing::TestWithParam<ConvCase> {};

Graph conv_graph(const ConvCase& tc, bool relu = false) {
  const auto& r = tc.ref;
  Graph g;
  g.add_input("x", {r.c, r.h, r.w});
  json a = {{"out", r.o},           {"kernel", {r.kh, r.kw}},     {"stride", {r.sh, r.sw}},
            {"padding", {r.ph, r.pw}}, {"dilation", {r.dh, r.dw}}, {"groups", r.groups},
            {"bias", tc.bias}};
  g.add("conv", create_layer("conv", a), {"x"});
  if (relu) {
    g.add("relu", create_layer("relu", json::object()), {"conv"});
  }
  return g;
}

const ConvCase kCases[] = {
    {"plain3x3", {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1}, true},
    {"dilated2", {1, 4, 9, 9, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1}, true},
    {"dilated3_nopad", {2, 2, 10, 11, 3, 3, 3, 1, 1, 0, 0, 3, 3, 1}, false},
    {"stride2_pad1", {2, 3, 9, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1}, true},
    {"stride2_dil2_asym_kernel", {1, 3, 11, 9, 2, 3, 1, 2, 1, 2, 0, 2, 1, 1}, true},
    {"groups2", {2, 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2}, true},
    {"depthwise_dil2", {1, 4, 8, 8, 4, 3, 3, 1, 1, 2, 2, 2, 2, 4}, false},
    {"pointwise", {2, 5, 4, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1}, true},
    {"wide16", {1, 16, 6, 6, 32, 3, 3, 1, 1, 2, 2, 2, 2, 1}, true},
    {"even_kernel_stride2", {1, 3, 8, 8, 4, 4, 4, 2, 2, 1, 1, 1, 1, 1}, true},
    // Padding wider than oneDNN's JIT unroll: these run on its gemm path.
    {"dilation16_gemm", {1, 32, 20, 18, 32, 3, 3, 1, 1, 16, 16, 16, 16, 1}, true},
    {"dilation8_gemm_64", {2, 32, 12, 12, 64, 3, 3, 1, 1, 8, 8, 8, 8, 1}, false},
};

TEST_P(ConvCases, ForwardMatchesNaiveReference) {
  const auto& tc = GetParam();
  Graph g = conv_graph(tc);
  g.init(3);
  for (auto& np : g.params())  // non-zero bias so that it is tested too
    if (np.param->name == "bias")
      for (size_t i = 0; i < np.param->size(); ++i) np.param->value[i] = 0.1f * static_cast<float>(i);
  const auto& r = tc.ref;
  Tensor x = testing::random_tensor({r.n, r.c, r.h, r.w}, 11);
  const auto y = g.forward(x, false).to_vector();
  auto params = g.params();
  const auto expected = testing::conv2d_reference(r, x.to_vector(), params[0].param->value,
                                                  tc.bias ? params[1].param->value : std::vector<float>{});
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-4) << "at " << i;
}

TEST_P(ConvCases, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = conv_graph(tc);
  g.init(5);
  const auto& r = tc.ref;
  auto res = testing::check_gradients(g, {{"x", testing::random_tensor({r.n, r.c, r.h, r.w}, 13)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Conv2d, ConvCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Conv2d, ReportsItsImplementation) {
  ConvCase tc{"d16", {2, 32, 40, 40, 32, 3, 3, 1, 1, 16, 16, 16, 16, 1}, true};
  Graph g = conv_graph(tc);
  g.init(1);
  g.forward(testing::random_tensor({2, 32, 40, 40}, 3), true);
  EXPECT_FALSE(g.implementations()[0].second.empty());
}

TEST(Conv2d, OutputSizeFollowsTheFormula) {
  EXPECT_EQ(ConvGeometry::out_size(64, 3, 1, 1, 1), 64);
  EXPECT_EQ(ConvGeometry::out_size(64, 3, 1, 8, 8), 64);
  EXPECT_EQ(ConvGeometry::out_size(64, 3, 2, 1, 1), 32);
  EXPECT_EQ(ConvGeometry::out_size(10, 3, 1, 0, 3), 4);
}

TEST(Conv2d, RejectsBadAttributes) {
  EXPECT_THROW(create_layer("conv", json{{"out", 0}}), Error);
  EXPECT_THROW(create_layer("conv", json{{"out", 4}, {"kernal", 3}}), Error);
  EXPECT_THROW(create_layer("conv", json{{"out", 3}, {"groups", 2}}), Error);
  try {
    create_layer("conv", json{{"out", 4}, {"kernal", 3}}, "layer 'c1' (conv)");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'kernal'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("c1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace atrous
