// The model zoo (configs/models): every model builds, trains a step forward and
// backward at two input sizes, keeps the input resolution when dense, and its
// shapes agree with the graph's. Parameter counts match formulas written out by
// hand from the architectures (not from the YAML).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "model/summary.hpp"
#include "model_test_util.hpp"
#include "support/gradient_checker.hpp"

#if __has_include("bench/reference_models.hpp")
#include "bench/reference_models.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR
#define ATROUS_HAVE_REFERENCE_MODELS 1
#endif

namespace atrous {
namespace {

using testing::zoo_model;

std::vector<std::string> zoo() { return testing::zoo_model_names(); }

TEST(ModelZoo, HasTheIssuesModels) {
  const auto z = zoo();
  for (const char* name :
       {"plain", "fcn", "fcn8s", "frontend", "context_basic", "context_large", "frontend_context", "dilated",
        "dilated_aspp", "hdc", "unet", "unet_dilated", "deeplab_lite", "bench_dilated_segnet",
        "bench_dilated_segnet_w16", "bench_unet_dilated", "deeplab_v3", "wavenet", "causal_plain"})
    EXPECT_NE(std::find(z.begin(), z.end(), name), z.end()) << name;
}

class ZooModel : public ::testing::TestWithParam<std::string> {};

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

TEST_P(ZooModel, BuildsAndRunsForwardAndBackwardAtTwoSizes) {
  const ResolvedModel m = load_model(zoo_model(GetParam()));
  EXPECT_EQ(m.name(), GetParam());
  Graph g = build_graph(m);
  // The shapes the graph infers are the summary's; the output is the declared one.
  const ModelSummary s = summarize(m, g);
  EXPECT_EQ(s.layers.size(), m.spec["layers"].size());
  EXPECT_EQ(s.params, g.parameter_count());
  g.fuse();
  g.init(11);
  const int64_t channels = m.spec["input"]["channels"];
  // Sequence models (input height 1, e.g. WaveNet) run at two lengths, one
  // shorter than their receptive field and one longer; images at two square sizes.
  const bool sequence = m.spec["input"]["height"] == 1;
  const std::vector<int64_t> sizes = sequence ? std::vector<int64_t>{64, 2100}
                                              // multiples of 32, which fcn8s needs; small enough for the widest models
                                              : std::vector<int64_t>{32, 64};
  for (const int64_t size : sizes) {
    SCOPED_TRACE("input " + std::to_string(size));
    const int64_t height = sequence ? 1 : size;
    const Tensor x = testing::random_tensor({2, channels, height, size}, 5);
    const Tensor& y = g.forward(x, true);
    const Dims d = y.dims();
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0], 2);
    if (m.spec.contains("classes")) {
      EXPECT_EQ(d[1], m.spec["classes"].get<int64_t>());
    }
    if (m.spec["dense"].get<bool>()) {
      EXPECT_EQ(d[2], height);
      EXPECT_EQ(d[3], size);
    }
    EXPECT_TRUE(all_finite(y.to_vector()));
    g.backward(testing::random_tensor(d, 6));
    // The gradient reaches the first layer, and nothing is NaN.
    auto params = g.params();
    ASSERT_FALSE(params.empty());
    const auto& first = params.front().param->grad;
    EXPECT_TRUE(std::any_of(first.begin(), first.end(), [](float v) { return v != 0.f; }))
        << params.front().name << " got no gradient";
    for (const auto& np : params) EXPECT_TRUE(all_finite(np.param->grad)) << np.name;
  }
}

INSTANTIATE_TEST_SUITE_P(All, ZooModel, ::testing::ValuesIn(zoo()),
                         [](const auto& info) { return info.param; });

// ---- parameter counts by hand ----

int64_t conv(int64_t in, int64_t out, int64_t k, bool bias = true) { return in * out * k * k + (bias ? out : 0); }
int64_t bn(int64_t c) { return 2 * c; }  // gamma and beta; running statistics are not parameters
int64_t cbr(int64_t in, int64_t out, int64_t k = 3, bool bias = true) { return conv(in, out, k, bias) + bn(out); }

int64_t count(const std::string& name, const std::vector<std::string>& overrides = {}) {
  ModelOptions o;
  o.overrides = overrides;
  Graph g = build_graph(load_model(zoo_model(name), o));
  return g.parameter_count();
}

TEST(ModelZoo, ContextModuleParameterCounts) {
  // Basic: 3x3 in->C, six 3x3 C->C, 1x1 C->C, all biased (Table 1).
  for (int64_t c : {5, 21}) {
    const int64_t basic = conv(3, c, 3) + 6 * conv(c, c, 3) + conv(c, c, 1);
    EXPECT_EQ(count("context_basic", {"classes=" + std::to_string(c)}), basic);
  }
  const int64_t c = 5;
  const int64_t large = conv(3, 2 * c, 3) + conv(2 * c, 2 * c, 3) + conv(2 * c, 4 * c, 3) + conv(4 * c, 8 * c, 3) +
                        conv(8 * c, 16 * c, 3) + conv(16 * c, 32 * c, 3) + conv(32 * c, 32 * c, 3) +
                        conv(32 * c, c, 1);
  EXPECT_EQ(count("context_large"), large);
}

TEST(ModelZoo, DilatedAndPlainParameterCounts) {
  const int64_t w = 16, k = 5;
  const int64_t expected = cbr(3, w) + cbr(w, 2 * w) + 4 * cbr(2 * w, 2 * w) + conv(2 * w, k, 1);
  EXPECT_EQ(count("dilated"), expected);
  EXPECT_EQ(count("plain"), expected);  // the control differs in dilations only
  EXPECT_EQ(count("hdc"), expected + cbr(2 * w, 2 * w));  // six rates instead of five
  EXPECT_EQ(count("dilated", {"width=8"}),
            cbr(3, 8) + cbr(8, 16) + 4 * cbr(16, 16) + conv(16, k, 1));
}

int64_t double_conv(int64_t in, int64_t out) { return cbr(in, out) + cbr(out, out); }

int64_t unet(int64_t w, int64_t k, bool dilated) {
  const int64_t deconv2 = 4 * w * 2 * w * 16 + 2 * w, deconv1 = 2 * w * w * 16 + w;  // 4x4 kernels, biased
  const int64_t bottleneck = dilated ? cbr(2 * w, 4 * w) + 2 * cbr(4 * w, 4 * w) : double_conv(2 * w, 4 * w);
  return double_conv(3, w) + double_conv(w, 2 * w) + bottleneck + deconv2 + double_conv(4 * w, 2 * w) + deconv1 +
         double_conv(2 * w, w) + conv(w, k, 1);
}

TEST(ModelZoo, UnetParameterCounts) {
  EXPECT_EQ(count("unet"), unet(16, 5, false));
  EXPECT_EQ(count("unet_dilated"), unet(16, 5, true));
  EXPECT_EQ(count("bench_unet_dilated"), unet(64, 1, true));
}

int64_t aspp(int64_t in, int64_t out, bool bias) {
  return cbr(in, out, 1, bias) + 3 * cbr(in, out, 3, bias) + cbr(in, out, 1, bias) + cbr(5 * out, out, 1, bias);
}

int64_t dilated_segnet(int64_t w) {
  return cbr(3, w) + cbr(w, 2 * w) + 2 * cbr(2 * w, 2 * w) + cbr(2 * w, 4 * w) + aspp(4 * w, 4 * w, false) +
         cbr(4 * w, 2 * w) + cbr(2 * w, w) + conv(w, 3, 1);
}

TEST(ModelZoo, BenchReferenceParameterCounts) {
  // The lesson's DilatedSegNet: 796 w^2 + 120 w + 3 in closed form.
  EXPECT_EQ(dilated_segnet(64), 796 * 64 * 64 + 120 * 64 + 3);
  EXPECT_EQ(count("bench_dilated_segnet"), dilated_segnet(64));
  EXPECT_EQ(count("bench_dilated_segnet_w16"), dilated_segnet(16));
  EXPECT_EQ(count("deeplab_lite"), cbr(3, 16, 7) + cbr(16, 32) + cbr(32, 64) + aspp(64, 64, true) + cbr(64, 32) +
                                       cbr(32, 16) + conv(16, 5, 1));
#ifdef ATROUS_HAVE_REFERENCE_MODELS
  for (const char* name : {"dilated_segnet", "dilated_segnet_w16", "unet_dilated"}) {
    Graph cpp = bench::build_reference_model(name);
    EXPECT_EQ(count(std::string("bench_") + name), cpp.parameter_count()) << name;
  }
#endif
}

int64_t conv1d(int64_t in, int64_t out, int64_t k) { return in * out * k + out; }

// WaveNet: the input conv; per layer a dilated conv to 2G, 1x1 G->R (residual) and
// G->S (skip); the head S->S->classes.
int64_t wavenet(int64_t layers, int64_t r, int64_t g, int64_t s, int64_t k, int64_t classes) {
  return conv1d(1, r, 1) + layers * (conv1d(r, 2 * g, k) + conv1d(g, r, 1) + conv1d(g, s, 1)) + conv1d(s, s, 1) +
         conv1d(s, classes, 1);
}

TEST(ModelZoo, WaveNetParameterCounts) {
  EXPECT_EQ(count("wavenet"), wavenet(20, 32, 32, 64, 2, 256));
  EXPECT_EQ(count("causal_plain"), wavenet(20, 32, 32, 64, 2, 256));  // differs in dilations only
  EXPECT_EQ(count("wavenet", {"blocks=3", "residual=16", "gate=24", "skip=40", "kernel=3"}),
            wavenet(30, 16, 24, 40, 3, 256));
  // Every layer's skip output reaches the sum, in order.
  const ResolvedModel m = load_model(zoo_model("wavenet"));
  for (const auto& l : m.spec["layers"])
    if (l["name"] == "skips") {
      ASSERT_EQ(l["from"].size(), 20u);
      EXPECT_EQ(l["from"][0], "stack.0.layer.0.skip");
      EXPECT_EQ(l["from"][19], "stack.1.layer.9.skip");
    }
  std::vector<int64_t> dilations;
  for (const auto& l : m.spec["layers"])
    if (l["type"] == "conv1d" && l["name"].get<std::string>().ends_with(".dilated")) dilations.push_back(l["dilation"]);
  EXPECT_EQ(dilations, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512}));
}

TEST(ModelZoo, OverridesReachBlocksAndExtends) {
  ModelOptions o;
  o.overrides = {"context=context_large", "classes=3"};
  const ResolvedModel m = load_model(zoo_model("frontend_context"), o);
  Graph g = build_graph(m);
  EXPECT_EQ(g.shape("context.layer.5.conv").c, 96);  // 32C with C = 3
  o.overrides = {"rate_percent=50"};
  const ResolvedModel a = load_model(zoo_model("dilated_aspp"), o);
  std::vector<int64_t> rates;
  for (const auto& l : a.spec["layers"])
    if (l["name"].get<std::string>().rfind("aspp.rate.", 0) == 0 && l["type"] == "conv") rates.push_back(l["dilation"]);
  EXPECT_EQ(rates, (std::vector<int64_t>{3, 6, 9}));
}

}  // namespace
}  // namespace atrous
