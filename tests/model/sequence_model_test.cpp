// Sequence (1-D) models in the model language: `input: {channels, length}`,
// `NAME.*` references to every instance of a repeat, and receptive fields in
// samples — 1 + Σ (k−1)·d for causal stacks, the zoo WaveNet's 2047, checked
// against the support of the real graph's input gradient, which must also lie
// entirely in the past of the output sample.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/summary.hpp"
#include "model_test_util.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using testing::model_error;

#define EXPECT_ERROR(message, where, text)                                                   \
  do {                                                                                        \
    const std::string m_ = (message);                                                         \
    EXPECT_EQ(m_.rfind(std::string(where) + ": ", 0), 0u) << "location: " << m_;              \
    EXPECT_NE(m_.find(text), std::string::npos) << "text '" << (text) << "' missing: " << m_; \
  } while (0)

ModelSummary summary_of(const ResolvedModel& m) {
  const Graph g = build_graph(m);
  return summarize(m, g);
}

TEST(SequenceInput, LengthIsHeightOneAndWidthT) {
  const ResolvedModel m = load_model_string(
      "input: {channels: 2, length: 300}\nlayers:\n  - {name: c, type: conv1d, out: 4, kernel: 2}\n", "s.yaml");
  EXPECT_EQ(m.spec["input"], (nlohmann::json{{"channels", 2}, {"height", 1}, {"width", 300}}));
  const ModelSummary s = summary_of(m);
  EXPECT_TRUE(s.sequence);
  EXPECT_EQ(s.layers[0].output, (Shape{4, 1, 300}));
  // The same model written with height and width resolves identically.
  const ResolvedModel hw = load_model_string(
      "input: {channels: 2, height: 1, width: 300}\nlayers:\n  - {name: c, type: conv1d, out: 4, kernel: 2}\n",
      "s.yaml");
  EXPECT_EQ(hw.canonical(), m.canonical());
  // Overrides reach the length.
  ModelOptions o;
  o.overrides = {"input.length=64"};
  EXPECT_EQ(load_model(testing::zoo_model("wavenet"), o).spec["input"]["width"], 64);
}

TEST(SequenceInput, ErrorsAreLocated) {
  const std::string layers = "layers:\n  - {name: c, type: conv1d, out: 4, kernel: 2}\n";
  EXPECT_ERROR(model_error("input: {channels: 1, length: 8, height: 1}\n" + layers), "m.yaml:1:22",
               "'input' takes 'length' (a sequence: height 1, width = length) or 'height' and 'width', not both");
  EXPECT_ERROR(model_error("input: {channels: 1, length: 0}\n" + layers), "m.yaml:1:22",
               "'input.length' must be positive, got 0");
  EXPECT_ERROR(model_error("input: {channels: 1, lenght: 8}\n" + layers), "m.yaml:1:22",
               "unknown key 'lenght' in 'input'");
  // A 1-D layer on an image is refused at its `from`.
  EXPECT_ERROR(model_error("input: {channels: 1, height: 8, width: 8}\n" + layers), "m.yaml:3:5",
               "conv1d reads a sequence (height 1, width = time), got input 1x8x8 of height 8");
}

TEST(RepeatWildcard, ReadsEveryInstanceInOrder) {
  const ResolvedModel m = load_model_string(R"(
input: {channels: 1, length: 16}
blocks:
  two:
    params: {d: ~}
    output: main
    layers:
      - {name: main, type: conv1d, out: 2, kernel: 2, dilation: "${d}"}
      - {name: side, type: conv1d, out: 3, kernel: 1}
layers:
  - {name: c, type: conv1d, out: 2, kernel: 2, repeat: 3}
  - {name: b, block: two, repeat: {d: [1, 2]}}
  - {name: outer, type: concat, from: [c.*, b.*.side]}
)",
                                            "w.yaml");
  const auto& layers = m.spec["layers"];
  const auto& last = layers[layers.size() - 1];
  EXPECT_EQ(last["from"], (nlohmann::json{"c.0", "c.1", "c.2", "b.0.side", "b.1.side"}));
  EXPECT_ERROR(model_error("input: {channels: 1, length: 8}\nlayers:\n  - {name: c, type: conv1d, out: 2, kernel: "
                           "2}\n  - {name: s, type: add, from: c.*}\n"),
               "m.yaml:4:26", "'c.*': no repeated entry named 'c' here");
}

// ---- receptive fields in samples ----

int64_t samples_of(const std::string& yaml) {
  return receptive_field_samples(summary_of(load_model_string(yaml, "rf.yaml")).rf);
}

std::string causal_stack(int64_t k, const std::string& rates, bool causal = true) {
  return "input: {channels: 1, length: 256}\nlayers:\n  - {name: c, type: conv1d, out: 2, kernel: " +
         std::to_string(k) + ", causal: " + (causal ? "true" : "false") + ", repeat: {dilation: " + rates + "}}\n";
}

TEST(SequenceReceptiveField, CausalStacksGiveOnePlusSumOfKMinusOneTimesD) {
  EXPECT_EQ(samples_of(causal_stack(2, "[1, 2, 4, 8]")), 1 + 15);
  EXPECT_EQ(samples_of(causal_stack(2, "[1, 1, 1, 1]")), 1 + 4);
  EXPECT_EQ(samples_of(causal_stack(3, "[1, 2, 4, 8, 16, 32, 64, 128, 256, 512]")), 1 + 2 * 1023);  // the lesson's
  EXPECT_EQ(samples_of(causal_stack(3, "[1, 2, 4]", false)), 1 + 2 * 7);  // centred: the same extent
  const ModelSummary s = summary_of(load_model_string(causal_stack(2, "[1, 2]"), "rf.yaml"));
  EXPECT_EQ(s.rf.h.size, 1);
  EXPECT_EQ(s.layers[0].rf.w.size, 2);
  EXPECT_EQ(s.layers[1].rf.w.size, 4);
}

TEST(SequenceReceptiveField, ZooWaveNetAndItsControl) {
  const ModelSummary w = summary_of(load_model(testing::zoo_model("wavenet")));
  EXPECT_EQ(receptive_field_samples(w.rf), 1 + 2 * 1023);  // 2 stacks of dilations 1..512, k = 2
  EXPECT_DOUBLE_EQ(receptive_field_ms(w.rf, 8000), 2047.0 / 8.0);
  EXPECT_EQ(receptive_field_samples(summary_of(load_model(testing::zoo_model("causal_plain"))).rf), 1 + 2 * 10);
  const auto with = [](std::vector<std::string> overrides) {
    ModelOptions o;
    o.overrides = std::move(overrides);
    return receptive_field_samples(summary_of(load_model(testing::zoo_model("wavenet"), o)).rf);
  };
  EXPECT_EQ(with({"blocks=1"}), 1 + 1023);
  EXPECT_EQ(with({"kernel=3"}), 1 + 2 * 2 * 1023);
  EXPECT_EQ(with({"input_kernel=2"}), 2 + 2 * 1023);
  EXPECT_EQ(with({"blocks=3", "dilations=[1, 3, 9]"}), 1 + 3 * 13);
}

TEST(SequenceReceptiveField, ShownInSamplesAndMilliseconds) {
  const ResolvedModel m = load_model(testing::zoo_model("wavenet"));
  const Graph g = build_graph(m);
  const ModelSummary s = summarize(m, g, 16000);
  const std::string table = summary_table(s);
  EXPECT_NE(table.find("input 1x1x4096 (a sequence of 4096 samples)"), std::string::npos) << table;
  EXPECT_NE(table.find("receptive field 2047 samples = 127.9 ms at 16000 Hz (jump 1)"), std::string::npos) << table;
  const nlohmann::json j = summary_json(s);
  EXPECT_EQ(j["sequence"], true);
  EXPECT_EQ(j["totals"]["receptive_field_samples"], 2047);
  EXPECT_DOUBLE_EQ(j["totals"]["receptive_field_ms"].get<double>(), 2047.0 / 16.0);
  // Images are shown as before.
  const ResolvedModel img = load_model(testing::zoo_model("context_basic"));
  const nlohmann::json ji = summary_json(summarize(img, build_graph(img)));
  EXPECT_FALSE(ji.contains("sequence"));
  EXPECT_FALSE(ji["totals"].contains("receptive_field_ms"));
}

// The independent reference: with positive weights (no cancellation) and inputs,
// the input gradient of output sample t is non-zero exactly on the samples that
// influence it. That support must be [t - RF + 1, t] — the field's size, and
// nothing in the future.
TEST(SequenceReceptiveField, MatchesTheGradientSupportAndLiesInThePast) {
  ModelOptions o;
  o.overrides = {"dilations=[1, 2, 4, 8]", "input.length=80", "residual=4", "gate=4", "skip=4", "classes=3"};
  const ResolvedModel m = load_model(testing::zoo_model("wavenet"), o);
  Graph g = build_graph(m);
  const ModelSummary s = summarize(m, g);
  const int64_t rf = receptive_field_samples(s.rf);
  ASSERT_EQ(rf, 1 + 2 * 15);
  // Small weights keep tanh and sigmoid away from saturation, where their
  // derivatives would round to zero.
  for (auto& np : g.params())
    std::fill(np.param->value.begin(), np.param->value.end(), np.param->name == "bias" ? 0.f : 0.05f);
  const int64_t length = 80;
  const Tensor input = testing::random_tensor({1, 1, 1, length}, 3, 0.5f, 1.f);
  const Dims d = g.forward(input, false).dims();
  for (int64_t t : {0, 10, 30, 31, 50, 79}) {
    std::vector<float> grad(product(d), 0.f);
    for (int64_t c = 0; c < d[1]; ++c) grad[static_cast<size_t>(c * length + t)] = 1.f;
    g.backward(Tensor::from_plain(d, grad), true);
    const auto gi = g.gradient("input").to_vector();
    int64_t first = length, last = -1;
    for (int64_t i = 0; i < length; ++i)
      if (gi[static_cast<size_t>(i)] != 0.f) {
        first = std::min(first, i);
        last = std::max(last, i);
      }
    SCOPED_TRACE("output sample " + std::to_string(t));
    EXPECT_EQ(last, t);                                 // reads sample t, never t + 1
    EXPECT_EQ(first, std::max<int64_t>(0, t - rf + 1));  // and back to the field's start
  }
}

}  // namespace
}  // namespace atrous
