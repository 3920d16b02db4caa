// bf16 convolutions (nn/precision.hpp): every conv-like kernel computes in bf16 what
// the f32 kernel computes, within bf16's rounding; the precision is fixed before the
// graph first runs. The tests skip on a CPU without bf16 instructions.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "nn/graph.hpp"
#include "nn/precision.hpp"
#include "nn/registry.hpp"
#include "support/error_of.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using nlohmann::json;

// bf16 keeps 8 significant bits (relative rounding 2^-9 ≈ 0.002 per value); sums of
// a few hundred products of rounded values stay within ~1% of the f32 result in the
// L2 sense. A wrong layout or a lost gradient is off by far more (order 1).
constexpr double kBf16RelativeTolerance = 1e-2;
// With a fused ReLU, bf16 moves some pre-activations near zero across it: those
// elements' gradients flip between 0 and their whole value (measured 1.6-1.9%).
constexpr double kBf16ReluRelativeTolerance = 3e-2;

double relative_l2(const std::vector<float>& want, const std::vector<float>& got) {
  EXPECT_EQ(want.size(), got.size());
  double diff = 0, norm = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    diff += (double(want[i]) - got[i]) * (double(want[i]) - got[i]);
    norm += double(want[i]) * want[i];
  }
  return std::sqrt(diff / std::max(norm, 1e-30));
}

struct Case {
  std::string name, type;
  json attrs;
  Shape input;
  bool relu = false;
  // Padding beyond 15: oneDNN 2.6 would run it on gemm; the kernel pads the
  // input explicitly so that it runs on the JIT kernels (conv_like_kernel.cpp).
  bool explicit_padding = false;
};

std::vector<Case> cases() {
  return {
      {"conv3x3_dilated", "conv", {{"out", 32}, {"kernel", 3}, {"dilation", 2}}, {16, 12, 12}},
      {"conv_grouped_strided", "conv", {{"out", 16}, {"kernel", 3}, {"stride", 2}, {"groups", 2}}, {16, 11, 9}},
      {"conv_no_bias_relu", "conv", {{"out", 16}, {"kernel", 1}, {"bias", false}}, {32, 8, 8}, true},
      {"deconv_stride2", "deconv", {{"out", 8}, {"kernel", 4}, {"stride", 2}, {"padding", 1}}, {16, 6, 7}},
      {"conv1d_causal", "conv1d", {{"out", 16}, {"kernel", 2}, {"dilation", 4}}, {16, 1, 40}},
      {"conv_aspp_rate18", "conv", {{"out", 32}, {"kernel", 3}, {"dilation", 18}, {"bias", false}}, {32, 40, 44},
       false, true},
      {"conv_rate17_uneven", "conv", {{"out", 16}, {"kernel", 3}, {"dilation", 17}}, {16, 37, 30}, false, true},
      // ASPP at the end of a deep net: most taps fall in the padding.
      {"conv_rate18_small_map", "conv", {{"out", 16}, {"kernel", 3}, {"dilation", 18}}, {16, 8, 8}},
  };
}

struct Pass {
  std::vector<float> out, grad_in;
  std::vector<std::vector<float>> param_grads;
  std::string implementation;
};

Pass run_pass(const Case& c, Precision p) {
  Graph g;
  g.add_input("x", c.input);
  g.add("l", create_layer(c.type, c.attrs), {"x"});
  if (c.relu) {
    g.add("r", create_layer("relu", json::object()), {"l"});
    EXPECT_EQ(g.fuse(), 1);
  }
  EXPECT_EQ(use_precision(g, p), 1);
  g.init(11);
  const Tensor x = testing::random_tensor({3, c.input.c, c.input.h, c.input.w}, 5);
  Pass r;
  r.out = g.forward(x, true).to_vector();
  const Tensor grad = testing::random_tensor(g.value(g.output_name()).dims(), 6);
  g.backward(grad, true);
  r.grad_in = g.gradient("x").to_vector();
  for (const auto& np : g.params()) r.param_grads.push_back(np.param->grad);
  r.implementation = g.implementations().at(0).second;
  return r;
}

TEST(Bf16Conv, EveryConvLikeKernelMatchesF32) {
  if (!cpu_has_bf16()) GTEST_SKIP() << "no bf16 on this CPU";
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const Pass f = run_pass(c, Precision::f32), b = run_pass(c, Precision::bf16);
    const double tolerance = c.relu ? kBf16ReluRelativeTolerance : kBf16RelativeTolerance;
    EXPECT_LT(relative_l2(f.out, b.out), kBf16RelativeTolerance);
    EXPECT_LT(relative_l2(f.grad_in, b.grad_in), tolerance);
    ASSERT_EQ(f.param_grads.size(), b.param_grads.size());
    for (size_t i = 0; i < f.param_grads.size(); ++i)
      EXPECT_LT(relative_l2(f.param_grads[i], b.param_grads[i]), tolerance) << "param " << i;
    // It really ran in bf16: not bit-identical to f32, and oneDNN names a bf16 implementation.
    EXPECT_NE(f.out, b.out);
    EXPECT_NE(b.implementation.find("bf16"), std::string::npos) << b.implementation;
    if (c.explicit_padding) {
      EXPECT_EQ(b.implementation.find("gemm"), std::string::npos) << b.implementation;
    }
  }
}

TEST(Bf16Conv, F32IsTheDefaultAndUnchanged) {
  // use_precision(f32) on a fresh graph is the graph as it always was: bit-identical.
  const Case c = cases()[0];
  Graph g;
  g.add_input("x", c.input);
  g.add("l", create_layer(c.type, c.attrs), {"x"});
  g.init(11);
  const Tensor x = testing::random_tensor({3, c.input.c, c.input.h, c.input.w}, 5);
  EXPECT_EQ(g.forward(x, true).to_vector(), run_pass(c, Precision::f32).out);
}

TEST(Bf16Conv, PrecisionIsFixedBeforeTheFirstRun) {
  if (!cpu_has_bf16()) GTEST_SKIP() << "no bf16 on this CPU";
  Graph g;
  g.add_input("x", {4, 6, 6});
  g.add("l", create_layer("conv", {{"out", 4}, {"kernel", 3}}), {"x"});
  g.init(1);
  g.forward(testing::random_tensor({1, 4, 6, 6}, 2), false);
  const std::string e = testing::error_of([&] { use_precision(g, Precision::bf16); });
  EXPECT_NE(e.find("before the graph first runs"), std::string::npos) << e;
  EXPECT_NO_THROW(use_precision(g, Precision::f32));  // no change is no error
}

TEST(Bf16Conv, PrecisionNamesParse) {
  EXPECT_EQ(parse_precision("bf16"), Precision::bf16);
  EXPECT_EQ(parse_precision("f32"), Precision::f32);
  const std::string e = testing::error_of([] { parse_precision("fp16"); });
  EXPECT_NE(e.find("f32 or bf16, got 'fp16'"), std::string::npos) << e;
}

}  // namespace
}  // namespace atrous
