// Fast generation's step interpreter against the normal graph forward: the same
// logits at every time step, for WaveNet (random weights) and for a model using
// every other steppable layer; a layer that mixes time steps is refused by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/rng.hpp"
#include "gen/step_network.hpp"
#include "gen/window_network.hpp"
#include "model/summary.hpp"
#include "model/model_test_util.hpp"

namespace atrous {
namespace {

// Logits of fast and naive generation may differ by float rounding only (oneDNN
// sums in another order and uses its own tanh/exp); |logits| is O(1) here.
constexpr float kLogitTolerance = 2e-4f;

Graph small_wavenet(uint64_t seed) {
  ModelOptions o;
  o.overrides = {"blocks=2", "dilations=[1, 2, 4]", "residual=8", "gate=8", "skip=16", "input_kernel=2",
                 "length=64"};
  Graph g = build_graph(load_model(testing::zoo_model("wavenet"), o));
  g.init(seed);
  g.fuse();
  return g;
}

// Runs both networks over the same random inputs; returns the largest logit difference.
float largest_difference(Graph& graph, int64_t steps, uint64_t seed) {
  StepNetwork fast(graph);
  WindowNetwork naive(graph, fast.receptive_field());
  Rng rng(seed);
  float worst = 0;
  std::vector<float> x(static_cast<size_t>(fast.input_channels()));
  for (int64_t t = 0; t < steps; ++t) {
    for (float& v : x) v = static_cast<float>(rng.uniform(-1.5, 1.5));
    const std::vector<float> a = fast.step(x);
    const std::vector<float>& b = naive.step(x);
    EXPECT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) worst = std::max(worst, std::abs(a[k] - b[k]));
  }
  return worst;
}

TEST(StepNetwork, WaveNetMatchesTheGraphAtEveryStep) {
  Graph g = small_wavenet(7);
  StepNetwork fast(g);
  EXPECT_EQ(fast.receptive_field(), 2 + 2 * 7);  // input kernel 2, then 2 × (1 + 2 + 4)
  EXPECT_EQ(fast.output_channels(), 256);
  // Past the receptive field, so the naive window slides and the queues wrap.
  EXPECT_LT(largest_difference(g, 50, 1), kLogitTolerance);
}

TEST(StepNetwork, ReceptiveFieldEqualsTheModelSummary) {
  ModelOptions o;
  o.overrides = {"blocks=3", "dilations=[1, 3, 9]", "kernel=3", "residual=4", "gate=4", "skip=4", "length=64"};
  const ResolvedModel m = load_model(testing::zoo_model("wavenet"), o);
  Graph g = build_graph(m);
  g.init(1);
  EXPECT_EQ(StepNetwork(g).receptive_field(), receptive_field_samples(summarize(m, g).rf));
}

TEST(StepNetwork, OtherSteppableLayersMatchTheGraph) {
  // Grouped causal conv, batch norm (running statistics) + ReLU, concat, a 1x1
  // `conv`, leaky ReLU, dropout and identity; the output is not the last layer.
  const std::string yaml = R"(input: {channels: 2, length: 32}
layers:
  - {name: a, type: conv1d, out: 6, kernel: 3, dilation: 2, groups: 2}
  - {name: bn, type: batchnorm}
  - {name: r, type: relu}
  - {name: b, type: conv1d, out: 4, kernel: 2, dilation: 3, bias: false}
  - {name: cat, type: concat, from: [r, b]}
  - {name: mix, type: conv, out: 5, kernel: 1}
  - {name: lr, type: leaky_relu, negative_slope: 0.2}
  - {name: drop, type: dropout, p: 0.3}
  - {name: id, type: identity}
  - {name: unused, type: conv1d, out: 3, kernel: 4, causal: false, from: a}
output: id
)";
  Graph g = build_graph(load_model_string(yaml, "m.yaml"));
  g.init(3);
  g.fuse();
  Rng rng(5);
  for (auto& p : g.params())
    if (p.name == "bn.running_mean" || p.name == "bn.running_var" || p.name == "bn.weight")
      for (float& v : p.param->value) v = static_cast<float>(rng.uniform(0.5, 1.5));
  StepNetwork fast(g);  // `unused` is not on the output's path: not refused
  EXPECT_EQ(fast.receptive_field(), 1 + 4 + 3);
  EXPECT_LT(largest_difference(g, 20, 2), kLogitTolerance);
}

TEST(StepNetwork, ResetStartsANewSequence) {
  Graph g = small_wavenet(2);
  StepNetwork fast(g);
  const std::vector<float> x{0.3f};
  const std::vector<float> first = fast.step(x);
  for (int i = 0; i < 5; ++i) fast.step(std::vector<float>{-0.7f});
  EXPECT_NE(fast.step(x), first);
  fast.reset();
  EXPECT_EQ(fast.step(x), first);
}

TEST(StepNetwork, RefusesLayersThatMixTimeStepsNamingThem) {
  const auto error_for = [](const std::string& layer) {
    Graph g = build_graph(load_model_string(
        "input: {channels: 1, length: 16}\nlayers:\n  - {name: c, type: conv1d, out: 2, kernel: 2}\n" + layer,
        "m.yaml"));
    g.init(1);
    return testing::error_of([&] { StepNetwork s(g); });
  };
  const std::string centred = error_for("  - {name: ahead, type: conv1d, out: 2, kernel: 3, causal: false}\n");
  EXPECT_NE(centred.find("layer 'ahead' (conv1d) cannot be generated one sample at a time"), std::string::npos)
      << centred;
  EXPECT_NE(centred.find("not causal"), std::string::npos) << centred;
  const std::string pool = error_for("  - {name: p, type: maxpool, kernel: [1, 2]}\n");
  EXPECT_NE(pool.find("layer 'p' (maxpool) cannot be generated"), std::string::npos) << pool;
  EXPECT_NE(pool.find("--naive"), std::string::npos) << pool;
}

}  // namespace
}  // namespace atrous
