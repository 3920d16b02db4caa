// A short bf16 training run follows the f32 one (nn/precision.hpp): the same tiny
// dilated network, seed and batch, trained 30 steps with Adam in both precisions.
// bf16 refused where the CPU has none is checked through the CLI with oneDNN
// limited to AVX2 (ONEDNN_MAX_CPU_ISA), which only a fresh process can be.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "nn/graph.hpp"
#include "nn/precision.hpp"
#include "nn/registry.hpp"
#include "support/cli.hpp"
#include "support/gradient_checker.hpp"
#include "train/train_step.hpp"

namespace atrous {
namespace {

using nlohmann::json;

Graph tiny_dilated_net() {
  Graph g;
  g.add_input("input", {3, 24, 24});
  std::string last = "input";
  int i = 0;
  for (int d : {1, 2, 4, 1}) {
    const std::string n = "c" + std::to_string(i++);
    g.add(n, create_layer("conv", {{"out", 16}, {"dilation", d}}), {last});
    g.add(n + ".bn", create_layer("batchnorm", json::object()), {n});
    g.add(n + ".relu", create_layer("relu", json::object()), {n + ".bn"});
    last = n + ".relu";
  }
  g.add("logits", create_layer("conv", {{"out", 3}, {"kernel", 1}}), {last});
  g.fuse();
  return g;
}

std::vector<double> loss_curve(Precision p, int steps) {
  Graph g = tiny_dilated_net();
  use_precision(g, p);
  g.init(3);
  // Labels a dilated network can learn: the class of a pixel is which third of the
  // image its column falls in, shifted by the sign of the input's first channel.
  const Tensor x = testing::random_tensor({4, 3, 24, 24}, 4);
  const std::vector<float> xv = x.to_vector();
  std::vector<uint8_t> labels(4 * 24 * 24);
  for (int n = 0; n < 4; ++n)
    for (int h = 0; h < 24; ++h)
      for (int w = 0; w < 24; ++w) {
        const size_t at = (static_cast<size_t>(n) * 24 + h) * 24 + w;
        const float first = xv[static_cast<size_t>(n) * 3 * 24 * 24 + static_cast<size_t>(h) * 24 + w];
        labels[at] = static_cast<uint8_t>((w / 8 + (first > 0 ? 1 : 0)) % 3);
      }
  OptimizerConfig oc;
  oc.type = "adam";
  TrainStep step(g, LossConfig{}, make_optimizer(oc));
  std::vector<double> curve;
  for (int s = 0; s < steps; ++s) curve.push_back(step.run(x, labels, 3e-3, s).total);
  return curve;
}

// bf16 rounds every conv's inputs to 8 significant bits, so the two runs drift
// apart step by step; the bound asked of 30 Adam steps is 5% of f32's loss at
// every step. A bf16 path with a wrong gradient (scale, layout) would follow a
// different curve from the first update on.
constexpr double kLossRelativeTolerance = 0.05;

TEST(Bf16Training, LossCurveFollowsF32) {
  if (!cpu_has_bf16()) GTEST_SKIP() << "no bf16 on this CPU";
  const auto f = loss_curve(Precision::f32, 30), b = loss_curve(Precision::bf16, 30);
  ASSERT_EQ(f.size(), b.size());
  double worst = 0;
  for (size_t s = 0; s < f.size(); ++s) worst = std::max(worst, std::abs(b[s] - f[s]) / f[s]);
  EXPECT_LT(worst, kLossRelativeTolerance) << "f32 " << f.front() << " -> " << f.back() << ", bf16 " << b.front()
                                           << " -> " << b.back();
  EXPECT_LT(b.back(), 0.7 * b.front());  // and it learns
  EXPECT_NE(f, b);                       // in bf16 indeed
}

testing::CliOutcome run_with_avx2_only(const std::string& args) {
  return testing::run_atrous_env("ONEDNN_MAX_CPU_ISA=AVX2", args);
}

TEST(Bf16Training, RefusedOnACpuWithoutBf16) {
  const auto info = run_with_avx2_only("info");
  ASSERT_EQ(info.code, 0) << info.out;
  EXPECT_NE(info.out.find("bf16     no"), std::string::npos) << info.out;
  const auto bench = run_with_avx2_only("bench --model dilated_segnet_w16 --precision bf16 --steps 1 --warmup 0 "
                                        "--batch 1 --height 16 --width 16 --no-peak");
  EXPECT_EQ(bench.code, 2) << bench.out;
  EXPECT_NE(bench.out.find("bf16 needs a CPU with AVX-512 bf16 or AMX"), std::string::npos) << bench.out;
  EXPECT_NE(bench.out.find("avx2"), std::string::npos) << bench.out;
}

}  // namespace
}  // namespace atrous
