// End-to-end engine check: a tiny dilated network trained on one fixed batch must
// drive the loss close to zero, and the same seed must reproduce the same curve.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/context.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "train/train_step.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using nlohmann::json;

Graph tiny_net() {
  Graph g;
  g.add_input("input", {3, 16, 16});
  std::string last = "input";
  int i = 0;
  for (int d : {1, 2, 4}) {
    const std::string n = "c" + std::to_string(i++);
    g.add(n, create_layer("conv", {{"out", 16}, {"dilation", d}}), {last});
    g.add(n + ".bn", create_layer("batchnorm", json::object()), {n});
    g.add(n + ".relu", create_layer("relu", json::object()), {n + ".bn"});
    last = n + ".relu";
  }
  g.add("drop", create_layer("dropout", {{"p", 0.1}}), {last});
  g.add("logits", create_layer("conv", {{"out", 3}, {"kernel", 1}}), {"drop"});
  g.fuse();
  return g;
}

std::vector<double> train_curve(uint64_t seed, int steps) {
  Graph g = tiny_net();
  g.init(seed);
  Tensor x = testing::random_tensor({2, 3, 16, 16}, seed + 1);
  Rng rng(seed + 2);
  std::vector<uint8_t> labels(2 * 16 * 16);
  for (auto& l : labels) l = static_cast<uint8_t>(rng.below(3));  // arbitrary: to be memorised
  OptimizerConfig oc;
  oc.type = "adam";
  TrainStep step(g, LossConfig{}, make_optimizer(oc));
  std::vector<double> curve;
  for (int s = 0; s < steps; ++s) curve.push_back(step.run(x, labels, 1e-2, s).total);
  return curve;
}

TEST(Overfit, TinyNetworkMemorisesAFixedBatch) {
  const auto curve = train_curve(42, 300);
  EXPECT_GT(curve.front(), 0.9);  // ~log(3) at initialisation
  // Random labels on 512 pixels can only be fitted by memorising every pixel's
  // neighbourhood: a broken gradient anywhere stalls far above this bound.
  EXPECT_LT(curve.back(), 0.05) << "first " << curve.front() << " last " << curve.back();
}

TEST(Overfit, SameSeedSameCurve) {
  const auto a = train_curve(7, 30), b = train_curve(7, 30), c = train_curve(8, 30);
  EXPECT_EQ(a, b);  // bit-identical
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace atrous
