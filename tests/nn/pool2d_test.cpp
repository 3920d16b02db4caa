#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/graph.hpp"
#include "nn/pool2d.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_pool.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::PoolRef;

struct PoolCase {
  const char* label;
  PoolRef ref;
};

void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.label; }

// Fields: n, c, h, w, kh, kw, sh, sw, ph, pw, count_include_pad.
const PoolCase kCases[] = {
    {"k2_s2", {2, 3, 8, 6, 2, 2, 2, 2, 0, 0, true}},
    {"k2_s2_odd", {1, 2, 7, 5, 2, 2, 2, 2, 0, 0, true}},
    {"k3_s2_p1", {2, 3, 9, 8, 3, 3, 2, 2, 1, 1, true}},
    {"k3_s2_p1_exclude", {2, 3, 9, 8, 3, 3, 2, 2, 1, 1, false}},
    {"k3_s1_p1", {1, 4, 5, 6, 3, 3, 1, 1, 1, 1, true}},
    {"k3_s1_p1_exclude", {1, 4, 5, 6, 3, 3, 1, 1, 1, 1, false}},
    {"nonsquare_k3x2_s2x1_p1x0", {2, 2, 7, 8, 3, 2, 2, 1, 1, 0, true}},
    {"stride_gt_kernel", {1, 3, 10, 9, 2, 2, 3, 3, 0, 0, true}},
    {"k4_s3_p2_exclude", {1, 2, 11, 7, 4, 4, 3, 3, 2, 2, false}},
    {"wide17", {2, 17, 6, 5, 3, 3, 2, 2, 1, 1, true}},
};

json pool_attrs(const PoolRef& r, bool max) {
  json a = {{"kernel", {r.kh, r.kw}}, {"stride", {r.sh, r.sw}}, {"padding", {r.ph, r.pw}}};
  if (!max) a["count_include_pad"] = r.count_include_pad;
  return a;
}

Graph pool_graph(const PoolRef& r, bool max) {
  Graph g;
  g.add_input("x", {r.c, r.h, r.w});
  g.add("pool", create_layer(max ? "maxpool" : "avgpool", pool_attrs(r, max)), {"x"});
  return g;
}

// Distinct values 0.05 apart in random order: every window's maximum leads the
// runner-up by >= 0.05 > 2 eps, so the +-eps finite differences never change the
// argmax and are valid for max pooling (which is piecewise linear).
Tensor distinct_tensor(const Dims& dims, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(product(dims)));
  std::iota(v.begin(), v.end(), 0.f);
  Rng rng(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
  for (auto& x : v) x = 0.05f * x - 0.025f * static_cast<float>(v.size());
  return Tensor::from_plain(dims, v);
}

class PoolCases : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolCases, MaxForwardMatchesNaiveReference) {
  const auto& r = GetParam().ref;
  Graph g = pool_graph(r, true);
  Tensor x = testing::random_tensor({r.n, r.c, r.h, r.w}, 3);
  const Tensor& out = g.forward(x, true);
  EXPECT_EQ(out.dims(), (Dims{r.n, r.c, r.out_h(), r.out_w()}));
  const auto y = out.to_vector();
  const auto expected = testing::maxpool_reference(r, x.to_vector());
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], expected[i]) << "at " << i;  // a selection: exact
}

TEST_P(PoolCases, AvgForwardMatchesNaiveReference) {
  const auto& r = GetParam().ref;
  Graph g = pool_graph(r, false);
  Tensor x = testing::random_tensor({r.n, r.c, r.h, r.w}, 4);
  const auto y = g.forward(x, false).to_vector();
  const auto expected = testing::avgpool_reference(r, x.to_vector());
  ASSERT_EQ(y.size(), expected.size());
  // Means of <= 16 values in [-1, 1]: float32 rounding < 1e-6.
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5) << "at " << i;
}

TEST_P(PoolCases, MaxGradientsMatchFiniteDifferences) {
  const auto& r = GetParam().ref;
  Graph g = pool_graph(r, true);
  // Default tolerances (gradient_checker.hpp); see distinct_tensor for why the
  // finite differences are exact here.
  auto res = testing::check_gradients(g, {{"x", distinct_tensor({r.n, r.c, r.h, r.w}, 5)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

TEST_P(PoolCases, AvgGradientsMatchFiniteDifferences) {
  const auto& r = GetParam().ref;
  Graph g = pool_graph(r, false);
  // Average pooling is linear: central differences are exact up to round-off.
  auto res = testing::check_gradients(g, {{"x", testing::random_tensor({r.n, r.c, r.h, r.w}, 6)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Pool2d, PoolCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

// A blocked input (as a conv would produce) keeps its layout through pooling,
// and the input gradient comes back in it; values still match the reference.
TEST(Pool2d, KeepsTheInputLayout) {
  const PoolRef r{2, 16, 8, 7, 3, 3, 2, 2, 1, 1, true};
  for (bool max : {true, false}) {
    Graph g = pool_graph(r, max);
    const Tensor plain = distinct_tensor({r.n, r.c, r.h, r.w}, 8);
    Tensor blocked(md_t({r.n, r.c, r.h, r.w}, dnnl::memory::data_type::f32, tag::nChw16c));
    const auto xv = plain.to_vector();
    blocked.copy_from_plain(xv.data(), static_cast<int64_t>(xv.size()));
    const Tensor& out = g.forward({{"x", &blocked}}, true);
    EXPECT_EQ(out.desc(), md_t(out.dims(), dnnl::memory::data_type::f32, tag::nChw16c));
    const auto y = out.to_vector();
    const auto expected = max ? testing::maxpool_reference(r, xv) : testing::avgpool_reference(r, xv);
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5) << "at " << i;
    g.backward(testing::random_tensor(out.dims(), 9), true);
    EXPECT_EQ(g.gradient("x").desc(), blocked.desc());
  }
}

TEST(Pool2d, StrideDefaultsToTheKernel) {
  Graph g;
  g.add_input("x", {3, 9, 8});
  g.add("pool", create_layer("maxpool", json{{"kernel", 3}}), {"x"});
  EXPECT_EQ(g.shape("pool"), (Shape{3, 3, 2}));
}

TEST(Pool2d, RejectsBadAttributes) {
  auto message = [](const std::string& type, const json& a) {
    try {
      create_layer(type, a, "layer 'p' (" + type + ")");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("maxpool", json::object()).find("'kernel'"), std::string::npos);
  EXPECT_NE(message("maxpool", {{"kernel", 2}, {"padding", 2}}).find("'padding'"), std::string::npos);
  EXPECT_NE(message("avgpool", {{"kernel", 3}, {"stride", 0}}).find("'stride'"), std::string::npos);
  EXPECT_NE(message("avgpool", {{"kernel", 3}, {"count_include_pad", 1}}).find("'count_include_pad'"),
            std::string::npos);
  EXPECT_NE(message("maxpool", {{"kernel", 3}, {"count_include_pad", true}}).find("unknown key"), std::string::npos);
}

// Global average pooling.

struct GlobalCase {
  int64_t n, c, h, w;
};

class GlobalAvgPoolCases : public ::testing::TestWithParam<GlobalCase> {};

TEST_P(GlobalAvgPoolCases, ForwardAndGradients) {
  const auto p = GetParam();
  Graph g;
  g.add_input("x", {p.c, p.h, p.w});
  g.add("gap", create_layer("global_avgpool", json::object()), {"x"});
  EXPECT_EQ(g.shape("gap"), (Shape{p.c, 1, 1}));
  Tensor x = testing::random_tensor({p.n, p.c, p.h, p.w}, 10);
  const Tensor& out = g.forward(x, false);
  EXPECT_EQ(out.dims(), (Dims{p.n, p.c, 1, 1}));
  const auto y = out.to_vector();
  const auto expected = testing::global_avgpool_reference(p.n, p.c, p.h, p.w, x.to_vector());
  // Means of <= 300 values in [-1, 1]: float32 rounding < 1e-6.
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5) << "at " << i;
  auto res = testing::check_gradients(g, {{"x", testing::random_tensor({p.n, p.c, p.h, p.w}, 12)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(GlobalAvgPool, GlobalAvgPoolCases,
                         ::testing::Values(GlobalCase{2, 3, 5, 7}, GlobalCase{1, 4, 1, 1}, GlobalCase{2, 16, 13, 9},
                                           GlobalCase{1, 2, 1, 12}));

// Different input sizes through one graph (a plan per size).
TEST(GlobalAvgPool, AnyInputSize) {
  Graph g;
  g.add_input("x", {3, 8, 8});
  g.add("gap", create_layer("global_avgpool", json::object()), {"x"});
  for (int64_t s : {8, 5, 11}) {
    Tensor x = testing::random_tensor({1, 3, s, s + 1}, static_cast<uint64_t>(s));
    const auto y = g.forward(x, false).to_vector();
    const auto expected = testing::global_avgpool_reference(1, 3, s, s + 1, x.to_vector());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5) << "size " << s;
  }
}

}  // namespace
}  // namespace atrous
