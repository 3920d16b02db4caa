// conv1d: a 1 x k convolution over time on the conv-like kernel. Its forward is
// compared with the naive 2-D reference (a causal window is a symmetric one
// shifted), its gradients with finite differences, and causality is proved by
// perturbing the future.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "nn/conv1d.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference.hpp"

namespace atrous {
namespace {

using nlohmann::json;

struct Conv1dCase {
  const char* label;
  int64_t n, c, t, o, k, d;
  bool causal, bias;
  int64_t groups = 1;
};

void PrintTo(const Conv1dCase& c, std::ostream* os) { *os << c.label; }

Graph conv1d_graph(const Conv1dCase& tc) {
  Graph g;
  g.add_input("x", {tc.c, 1, tc.t});
  g.add("conv", create_layer("conv1d", json{{"out", tc.o}, {"kernel", tc.k}, {"dilation", tc.d},
                                             {"causal", tc.causal}, {"bias", tc.bias}, {"groups", tc.groups}}),
        {"x"});
  return g;
}

// Output o of the layer reads x[o - left + j*d]. The 2-D reference pads both sides
// by P = max(left, right), so its output o + P - left reads the same inputs.
std::vector<float> reference(const Conv1dCase& tc, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& b) {
  const int64_t span = (tc.k - 1) * tc.d, left = conv1d_left_padding(tc.k, tc.d, tc.causal);
  const int64_t pad = std::max(left, span - left);
  testing::ConvRef r{tc.n, tc.c, 1, tc.t, tc.o, 1, tc.k};
  r.pw = pad;
  r.dw = tc.d;
  r.groups = tc.groups;
  const std::vector<float> wide = testing::conv2d_reference(r, x, w, b);
  std::vector<float> y;
  for (int64_t i = 0; i < tc.n * tc.o; ++i)
    for (int64_t o = 0; o < tc.t; ++o) y.push_back(wide[static_cast<size_t>(i * r.out_w() + o + pad - left)]);
  return y;
}

const Conv1dCase kCases[] = {
    {"causal_k2", 2, 3, 12, 4, 2, 1, true, true},
    {"causal_k2_d4", 1, 2, 16, 3, 2, 4, true, true},
    {"causal_k3_d2_nobias", 2, 3, 11, 2, 3, 2, true, false},
    {"pointwise", 2, 5, 9, 3, 1, 1, true, true},
    {"centred_k3_d2", 1, 3, 10, 4, 3, 2, false, true},
    {"centred_k2_d3_asymmetric", 2, 2, 9, 3, 2, 3, false, true},
    {"causal_groups2", 1, 4, 10, 6, 2, 2, true, true, 2},
    // The padding (k-1)d = 32 is longer than the sequence.
    {"causal_padding_longer_than_input", 1, 2, 10, 3, 3, 16, true, true},
    {"wide32_d8", 1, 32, 24, 64, 2, 8, true, true},
};

class Conv1dCases : public ::testing::TestWithParam<Conv1dCase> {};

TEST_P(Conv1dCases, ForwardMatchesNaiveReference) {
  const auto& tc = GetParam();
  Graph g = conv1d_graph(tc);
  g.init(3);
  for (auto& np : g.params())  // a non-zero bias, so that it is tested too
    if (np.param->name == "bias")
      for (size_t i = 0; i < np.param->size(); ++i) np.param->value[i] = 0.1f * static_cast<float>(i + 1);
  const Tensor x = testing::random_tensor({tc.n, tc.c, 1, tc.t}, 11);
  const Tensor& yt = g.forward(x, false);
  EXPECT_EQ(yt.dims(), (Dims{tc.n, tc.o, 1, tc.t}));
  const auto y = yt.to_vector();
  auto params = g.params();
  const auto expected = reference(tc, x.to_vector(), params[0].param->value,
                                  tc.bias ? params[1].param->value : std::vector<float>{});
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-4) << "at " << i;
}

TEST_P(Conv1dCases, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = conv1d_graph(tc);
  g.init(5);
  auto res = testing::check_gradients(g, {{"x", testing::random_tensor({tc.n, tc.c, 1, tc.t}, 13)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Conv1d, Conv1dCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Conv1d, CausalWindowPadsOnlyTheLeft) {
  auto layer = create_layer("conv1d", json{{"out", 4}, {"kernel", 3}, {"dilation", 5}});
  auto* c = dynamic_cast<Conv1d*>(layer.get());
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->causal());  // the default
  const ConvWindow w = c->window();
  EXPECT_EQ(w.kh, 1);
  EXPECT_EQ(w.kw, 3);
  EXPECT_EQ(w.dilates, (dnnl::memory::dims{0, 4}));  // oneDNN counts the gaps
  EXPECT_EQ(w.pad_l, (dnnl::memory::dims{0, 10}));   // (k-1) d
  EXPECT_EQ(w.pad_r, (dnnl::memory::dims{0, 0}));
  EXPECT_EQ(conv1d_left_padding(2, 3, false), 1);     // centred: floor(3/2) left, 2 right
}

TEST(Conv1d, WeightIsOneRowOfOihwAndFlopsCountTheTaps) {
  Graph g;
  g.add_input("x", {6, 1, 100});
  g.add("c", create_layer("conv1d", json{{"out", 4}, {"kernel", 2}, {"groups", 2}}), {"x"});
  EXPECT_EQ(g.shape("c"), (Shape{4, 1, 100}));
  auto params = g.params();
  EXPECT_EQ(params[0].param->dims, (Dims{4, 3, 1, 2}));
  EXPECT_EQ(g.parameter_count(), 4 * 3 * 2 + 4);
  EXPECT_DOUBLE_EQ(g.layer_flops(1, 100)[0].second, 2.0 * 100 * 4 * 3 * 2);
}

// Perturbs input sample t0 of a stack; outputs before t0 must be bit-identical
// and some output at or after t0 must change. `graph` has input "x" of 2 x 1 x T.
void expect_causal(Graph& graph, int64_t channels, int64_t length, int64_t t0, bool causal) {
  const Tensor x = testing::random_tensor({2, channels, 1, length}, 21);
  const std::vector<float> before = graph.forward(x, false).to_vector();
  std::vector<float> xv = x.to_vector();
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < channels; ++c) xv[static_cast<size_t>((n * channels + c) * length + t0)] += 0.5f;
  const std::vector<float> after =
      graph.forward(Tensor::from_plain({2, channels, 1, length}, xv), false).to_vector();
  ASSERT_EQ(before.size(), after.size());
  const int64_t rows = static_cast<int64_t>(before.size()) / length;
  bool past_changed = false, future_changed = false;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < length; ++t) {
      const size_t i = static_cast<size_t>(r * length + t);
      // Bit-identical: the bits of the perturbed sample must not reach the past at all.
      if (t < t0) past_changed = past_changed || std::memcmp(&before[i], &after[i], sizeof(float)) != 0;
      else future_changed = future_changed || before[i] != after[i];
    }
  EXPECT_EQ(past_changed, !causal) << "outputs before t0 = " << t0;
  EXPECT_TRUE(future_changed) << "the perturbation at t0 = " << t0 << " reached no output";
}

Graph stack(bool causal) {
  Graph g;
  g.add_input("x", {2, 1, 64});
  std::string prev = "x";
  int i = 0;
  for (int64_t d : {1, 2, 4, 8}) {
    const std::string name = "c" + std::to_string(i++);
    g.add(name, create_layer("conv1d", json{{"out", 4}, {"kernel", 2}, {"dilation", d}, {"causal", causal}}), {prev});
    g.add(name + ".gate", create_layer("gate", json::object()), {name});
    prev = name + ".gate";
  }
  g.add("head", create_layer("conv1d", json{{"out", 3}, {"kernel", 1}}), {prev});
  return g;
}

TEST(Conv1d, CausalOutputsNeverSeeTheFuture) {
  Graph g = stack(true);
  g.init(4);
  for (int64_t t0 : {0, 1, 17, 40, 63}) expect_causal(g, 2, 64, t0, true);
}

// The check above can fail: the same stack with centred windows sees the future.
TEST(Conv1d, CentredOutputsDoSeeTheFuture) {
  Graph g = stack(false);
  g.init(4);
  expect_causal(g, 2, 64, 40, false);
}

}  // namespace
}  // namespace atrous
