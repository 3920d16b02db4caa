// Fast generation equals naive generation sample for sample: a small random
// WaveNet, the same seed, a few hundred samples, from silence and from a prime
// longer than the receptive field. The logits are compared first (float
// rounding only), then the codes: both runs invert their softmax (in double) at
// the same uniform draws, so they can differ only where a draw falls within the
// rounding (~1e-6) of a class edge of the cumulative distribution — a chance of
// about 1e-6 × 300 per run, and the runs are deterministic (fixed seeds), so a
// pass is not luck that changes between runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/rng.hpp"
#include "data/mu_law.hpp"
#include "gen/generate.hpp"
#include "gen/sampler.hpp"
#include "gen/step_network.hpp"
#include "gen/window_network.hpp"
#include "model/model_test_util.hpp"

namespace atrous {
namespace {

constexpr float kLogitTolerance = 2e-4f;  // as in step_network_test.cpp

Graph small_wavenet(uint64_t seed) {
  ModelOptions o;
  o.overrides = {"blocks=2", "dilations=[1, 2, 4, 8]", "residual=8", "gate=8", "skip=16", "length=64"};
  Graph g = build_graph(load_model(testing::zoo_model("wavenet"), o));
  g.init(seed);
  g.fuse();
  return g;
}

void expect_same_generation(const std::vector<uint8_t>& history, double temperature) {
  Graph g = small_wavenet(11);
  StepNetwork fast(g);
  WindowNetwork naive(g, fast.receptive_field());
  GenerationOptions o;
  o.samples = 300;
  o.temperature = temperature;
  o.seed = 42;
  o.normalize.mean = {0.5};
  o.normalize.std = {0.29};
  o.record_logits = true;
  const Generation a = generate(fast, history, o);
  const Generation b = generate(naive, history, o);
  ASSERT_EQ(a.codes.size(), 300u);
  ASSERT_EQ(a.logits.size(), b.logits.size());
  float worst = 0;
  for (size_t i = 0; i < a.logits.size(); ++i) worst = std::max(worst, std::abs(a.logits[i] - b.logits[i]));
  EXPECT_LT(worst, kLogitTolerance);
  ::testing::Test::RecordProperty("largest_logit_difference", std::to_string(worst));
  EXPECT_EQ(a.codes, b.codes);
  // Not a constant signal: the sampling really draws from the distribution.
  EXPECT_GT(std::set<uint8_t>(a.codes.begin(), a.codes.end()).size(), 20u);
}

TEST(Generate, FastEqualsNaiveFromSilence) { expect_same_generation(silence_history(), 1.0); }

TEST(Generate, FastEqualsNaiveFromAPrimeLongerThanTheField) {
  Rng rng(3);
  std::vector<uint8_t> prime(50);  // the field is 1 + 2 × 15 = 31
  for (auto& c : prime) c = static_cast<uint8_t>(rng.below(256));
  expect_same_generation(prime, 0.8);
}

TEST(Generate, SameSeedSameAudioOtherSeedOther) {
  Graph g = small_wavenet(4);
  StepNetwork fast(g);
  GenerationOptions o;
  o.samples = 64;
  o.seed = 1;
  const auto first = generate(fast, silence_history(), o).codes;
  fast.reset();
  EXPECT_EQ(generate(fast, silence_history(), o).codes, first);
  fast.reset();
  o.seed = 2;
  EXPECT_NE(generate(fast, silence_history(), o).codes, first);
}

TEST(Generate, SilenceIsTheCodeOfZero) {
  ASSERT_EQ(silence_history().size(), 1u);
  EXPECT_NEAR(mu_law_decode(silence_history()[0]), 0.f, 0.01f);
}

TEST(Generate, RefusesAModelThatIsNotEightBitAudio) {
  Graph g = build_graph(load_model_string(
      "input: {channels: 1, length: 16}\nlayers:\n  - {name: c, type: conv1d, out: 10, kernel: 2}\n", "m.yaml"));
  g.init(1);
  StepNetwork fast(g);
  GenerationOptions o;
  o.samples = 4;
  const std::string e = testing::error_of([&] { generate(fast, silence_history(), o); });
  EXPECT_NE(e.find("256 output classes"), std::string::npos) << e;
  EXPECT_NE(e.find("has 10"), std::string::npos) << e;
}

TEST(Sampler, InvertsTheSoftmaxAtTheDraw) {
  const std::vector<float> logits{0.f, std::log(3.f)};  // p = 1/4, 3/4
  EXPECT_EQ(sample_class(logits, 1.0, 0.0), 0);
  EXPECT_EQ(sample_class(logits, 1.0, 0.24), 0);
  EXPECT_EQ(sample_class(logits, 1.0, 0.26), 1);
  EXPECT_EQ(sample_class(logits, 1.0, 0.999), 1);
  // Temperature 2 flattens to p ∝ 1, √3: class 0 up to 1/(1 + √3) ≈ 0.366.
  EXPECT_EQ(sample_class(logits, 2.0, 0.35), 0);
  EXPECT_EQ(sample_class(logits, 2.0, 0.38), 1);
  // Temperature 0: the argmax whatever the draw.
  EXPECT_EQ(sample_class(logits, 0.0, 0.0), 1);
}

TEST(Sampler, FrequenciesFollowTheProbabilities) {
  const std::vector<float> logits{1.f, 0.f, -1.f, 2.f};
  double z = 0;
  for (float l : logits) z += std::exp(l);
  Rng rng(9);
  std::vector<int> counts(4, 0);
  const int n = 20000;
  for (int i = 0; i < n; ++i) counts[static_cast<size_t>(sample_class(logits, 1.0, rng.uniform()))]++;
  for (size_t k = 0; k < 4; ++k) EXPECT_NEAR(counts[k] / double(n), std::exp(logits[k]) / z, 0.015) << k;
}

}  // namespace
}  // namespace atrous
