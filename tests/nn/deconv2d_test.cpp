#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/deconv2d.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_deconv.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::DeconvRef;

struct DeconvCase {
  const char* label;
  DeconvRef ref;
  bool bias;
};

void PrintTo(const DeconvCase& c, std::ostream* os) { *os << c.label; }

json deconv_attrs(const DeconvCase& tc) {
  const auto& r = tc.ref;
  return {{"out", r.o},
          {"kernel", {r.kh, r.kw}},
          {"stride", {r.sh, r.sw}},
          {"padding", {r.ph, r.pw}},
          {"output_padding", {r.oph, r.opw}},
          {"dilation", {r.dh, r.dw}},
          {"groups", r.groups},
          {"bias", tc.bias}};
}

// relu_slope < 0: no fused ReLU.
Graph deconv_graph(const DeconvCase& tc, float relu_slope = -1.f) {
  const auto& r = tc.ref;
  Graph g;
  g.add_input("x", {r.c, r.h, r.w});
  auto layer = create_layer("deconv", deconv_attrs(tc));
  if (relu_slope >= 0.f) {
    EXPECT_TRUE(layer->fuse_relu(relu_slope));
  }
  g.add("deconv", std::move(layer), {"x"});
  return g;
}

// Fields: n, c, h, w, o, kh, kw, sh, sw, ph, pw, oph, opw, dh, dw, groups.
const DeconvCase kCases[] = {
    {"k3_s1_p1", {2, 3, 5, 6, 4, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1}, true},
    {"k4_s2_p1_upsample", {2, 4, 5, 5, 3, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 1}, true},
    {"k3_s2_p1_outpad1", {1, 3, 4, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, true},
    // output_padding > padding: oneDNN sees a negative right padding.
    {"k2_s2_p0_outpad1", {2, 2, 3, 4, 3, 2, 2, 2, 2, 0, 0, 1, 1, 1, 1, 1}, false},
    {"k3_dil2_p2", {1, 3, 6, 5, 2, 3, 3, 1, 1, 2, 2, 0, 0, 2, 2, 1}, true},
    {"k3_s2_dil3_outpad2", {1, 2, 4, 4, 3, 3, 3, 2, 2, 1, 1, 2, 2, 3, 3, 1}, true},
    {"groups2", {2, 4, 5, 4, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2}, true},
    {"depthwise_k4_s2", {1, 4, 5, 6, 4, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 4}, false},
    {"nonsquare_k3x2_s3x1", {2, 3, 4, 7, 2, 3, 2, 3, 1, 0, 1, 2, 0, 1, 1, 1}, true},
    {"k1_s2_gaps", {1, 3, 4, 3, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1, 1, 1}, true},
    {"wide16_k4_s2", {1, 16, 3, 4, 32, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 1}, true},
    {"k16_s8_p4_fcn", {1, 2, 3, 3, 2, 16, 16, 8, 8, 4, 4, 0, 0, 1, 1, 1}, true},
};

void set_nonzero_bias(Graph& g) {  // so that the bias is tested too
  for (auto& np : g.params())
    if (np.param->name == "bias")
      for (size_t i = 0; i < np.param->size(); ++i) np.param->value[i] = 0.1f * static_cast<float>(i) - 0.2f;
}

std::vector<float> reference_of(Graph& g, const DeconvCase& tc, const Tensor& x) {
  auto params = g.params();
  return testing::deconv2d_reference(tc.ref, x.to_vector(), params[0].param->value,
                                     tc.bias ? params[1].param->value : std::vector<float>{});
}

class DeconvCases : public ::testing::TestWithParam<DeconvCase> {};

TEST_P(DeconvCases, ForwardMatchesNaiveReference) {
  const auto& tc = GetParam();
  Graph g = deconv_graph(tc);
  g.init(3);
  set_nonzero_bias(g);
  const auto& r = tc.ref;
  Tensor x = testing::random_tensor({r.n, r.c, r.h, r.w}, 11);
  const Tensor& out = g.forward(x, false);
  EXPECT_EQ(out.dims(), (Dims{r.n, r.o, r.out_h(), r.out_w()}));
  const auto y = out.to_vector();
  const auto expected = reference_of(g, tc, x);
  ASSERT_EQ(y.size(), expected.size());
  // Sums of at most C*kh*kw products of O(1) values: float32 rounding stays < 1e-5.
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-4) << "at " << i;
}

TEST_P(DeconvCases, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = deconv_graph(tc);
  g.init(5);
  const auto& r = tc.ref;
  // Default tolerances (gradient_checker.hpp): the layer is linear in x and in w,
  // so central differences are exact up to float32 round-off.
  auto res = testing::check_gradients(g, {{"x", testing::random_tensor({r.n, r.c, r.h, r.w}, 13)}});
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Deconv2d, DeconvCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Deconv2d, OutputSizeFollowsPyTorch) {
  EXPECT_EQ(DeconvGeometry::out_size(32, 4, 2, 1, 0, 1), 64);
  EXPECT_EQ(DeconvGeometry::out_size(32, 3, 2, 1, 1, 1), 64);
  EXPECT_EQ(DeconvGeometry::out_size(5, 3, 1, 2, 0, 2), 5);
  EXPECT_EQ(DeconvGeometry::out_size(4, 16, 8, 4, 0, 1), 32);
}

TEST(Deconv2d, WeightHasPyTorchLayoutAndFlops) {
  Graph g;
  g.add_input("x", {6, 8, 8});
  g.add("up", create_layer("deconv", json{{"out", 4}, {"kernel", 3}, {"stride", 2}, {"groups", 2}}), {"x"});
  auto params = g.params();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].param->dims, (Dims{6, 2, 3, 3}));  // [in, out/groups, kh, kw]
  EXPECT_EQ(params[1].param->dims, (Dims{4}));
  // 2 * H_in * W_in * I * (O/G) * kh * kw.
  EXPECT_DOUBLE_EQ(g.flops(8, 8), 2.0 * 8 * 8 * 6 * 2 * 3 * 3);
}

// The "bilinear" initialiser makes a k = 2s, p = s/2 deconv an upsampler: a
// constant image stays constant away from the border, per channel, with and
// without groups.
TEST(Deconv2d, BilinearInitUpsamplesPerChannel) {
  for (int64_t groups : {1, 3}) {
    Graph g;
    g.add_input("x", {3, 5, 5});
    g.add("up",
          create_layer("deconv", json{{"out", 3}, {"kernel", 4}, {"stride", 2}, {"padding", 1}, {"groups", groups},
                                      {"bias", false}, {"init", "bilinear"}}),
          {"x"});
    g.init(1);
    std::vector<float> xv(3 * 25);
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 25; ++i) xv[c * 25 + i] = static_cast<float>(c + 1);
    const auto y = g.forward(Tensor::from_plain({1, 3, 5, 5}, xv), false).to_vector();
    ASSERT_EQ(y.size(), 3u * 10 * 10);
    for (int c = 0; c < 3; ++c)
      for (int oy = 1; oy < 9; ++oy)
        for (int ox = 1; ox < 9; ++ox)
          EXPECT_NEAR(y[(c * 10 + oy) * 10 + ox], c + 1, 1e-5) << "groups " << groups << " c " << c;
  }
}

// Fused (leaky) ReLU: forward is the rectified reference; backward equals the
// unfused layer's backward of the gradient masked by the output's sign.
TEST(Deconv2d, FusedReluMatchesSeparateRectification) {
  const DeconvCase tc = kCases[1];
  const auto& r = tc.ref;
  for (float slope : {0.f, 0.1f}) {
    Graph fused = deconv_graph(tc, slope);
    Graph plain = deconv_graph(tc);
    fused.init(9);
    plain.init(9);
    set_nonzero_bias(fused);
    set_nonzero_bias(plain);
    Tensor x = testing::random_tensor({r.n, r.c, r.h, r.w}, 21);
    const auto expected = reference_of(plain, tc, x);
    const auto y = fused.forward(x, true).to_vector();
    ASSERT_EQ(y.size(), expected.size());
    for (size_t i = 0; i < y.size(); ++i)
      ASSERT_NEAR(y[i], expected[i] > 0 ? expected[i] : slope * expected[i], 1e-4) << "at " << i;

    const Tensor go = testing::random_tensor(fused.value("deconv").dims(), 23);
    fused.backward(go, true);
    const auto z = plain.forward(x, true).to_vector();
    auto masked = go.to_vector();
    for (size_t i = 0; i < masked.size(); ++i)
      if (z[i] <= 0) masked[i] *= slope;
    plain.backward(Tensor::from_plain(go.dims(), masked), true);
    const auto gx_f = fused.gradient("x").to_vector(), gx_p = plain.gradient("x").to_vector();
    for (size_t i = 0; i < gx_f.size(); ++i) ASSERT_NEAR(gx_f[i], gx_p[i], 1e-4) << "dx at " << i;
    auto pf = fused.params(), pp = plain.params();
    for (size_t k = 0; k < pf.size(); ++k)
      for (size_t i = 0; i < pf[k].param->size(); ++i)
        ASSERT_NEAR(pf[k].param->grad[i], pp[k].param->grad[i], 1e-3) << pf[k].name << " at " << i;
  }
}

TEST(Deconv2d, RejectsBadAttributes) {
  auto message = [](const json& a) {
    try {
      create_layer("deconv", a, "layer 'up' (deconv)");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"out", 4}}).find("'kernel'"), std::string::npos);
  EXPECT_NE(message({{"out", 4}, {"kernel", 3}, {"stride", 2}, {"output_padding", 2}}).find("'output_padding'"),
            std::string::npos);
  EXPECT_NE(message({{"out", 3}, {"kernel", 3}, {"groups", 2}}).find("'groups'"), std::string::npos);
  EXPECT_NE(message({{"out", 4}, {"kernel", 3}, {"strides", 2}}).find("unknown key 'strides'"), std::string::npos);
  EXPECT_NE(message({{"out", 4}, {"kernel", 3}, {"init", "bilinearr"}}).find("'init'"), std::string::npos);
}

}  // namespace
}  // namespace atrous
