// `atrous model resolve --full`: every zoo model resolves with every layer
// attribute spelled out (nothing left for a default), and that output, loaded back
// as a model file, builds the same network: same parameter count, output shape and
// logits for the same seed and input.
// (Read back with load_resolved_model: resolved names contain dots, which the
// model language reserves for blocks and repeats.)
#include <gtest/gtest.h>

#include <filesystem>

#include "model/full_spec.hpp"
#include "model_test_util.hpp"
#include "nn/attr_defaults.hpp"
#include "support/cli.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using testing::zoo_model;

std::vector<std::string> zoo() { return testing::zoo_model_names(); }

nlohmann::json attributes_of(const nlohmann::json& layer) {
  nlohmann::json a = layer;
  for (const char* k : {"name", "type", "from"}) a.erase(k);
  return a;
}

// Forward (inference) of a fused graph initialised with `seed` on a fixed 32×32 input.
std::vector<float> logits(const ResolvedModel& m, uint64_t seed) {
  Graph g = build_graph(m);
  g.fuse();
  g.init(seed);
  const int64_t channels = m.spec["input"]["channels"];
  return g.forward(testing::random_tensor({1, channels, 32, 32}, 3), false).to_vector();
}

class ResolveFull : public ::testing::TestWithParam<std::string> {};

TEST_P(ResolveFull, SpellsOutEveryAttributeAndReloadsToTheSameNetwork) {
  testing::TempDir dir("resolve_full");
  const ResolvedModel original = load_model(zoo_model(GetParam()));
  std::vector<ResolvedModel> written;  // the YAML file, then the JSON one
  for (const std::string ext : {".yaml", ".json"}) {
    const std::string out = dir / (GetParam() + ext);
    const auto r = testing::run_atrous("model resolve " + zoo_model(GetParam()) + " --full -o " + out);
    ASSERT_EQ(r.code, 0) << r.out;
    written.push_back(load_resolved_model(out));
  }
  const ResolvedModel& full = written[0];
  EXPECT_EQ(written[1].spec, full.spec);  // both formats say the same
  EXPECT_EQ(full_spec(original), full.spec);
  // Complete: re-reading each layer's attributes applies no default any more.
  for (const auto& layer : full.spec["layers"]) {
    const nlohmann::json attrs = attributes_of(layer);
    EXPECT_EQ(attributes_with_defaults(layer["type"].get<std::string>(), attrs), attrs) << layer.dump();
  }
  // Nothing written was changed, only defaults added.
  ASSERT_EQ(full.spec["layers"].size(), original.spec["layers"].size());
  for (size_t i = 0; i < original.spec["layers"].size(); ++i)
    for (const auto& [key, value] : original.spec["layers"][i].items())
      EXPECT_EQ(full.spec["layers"][i][key], value) << original.spec["layers"][i]["name"] << "." << key;
  // The same network.
  Graph a = build_graph(original), b = build_graph(full);
  EXPECT_EQ(a.parameter_count(), b.parameter_count());
  EXPECT_EQ(a.shape(a.output_name()).str(), b.shape(b.output_name()).str());
  EXPECT_EQ(logits(original, 17), logits(full, 17));
}

INSTANTIATE_TEST_SUITE_P(Zoo, ResolveFull, ::testing::ValuesIn(zoo()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(ResolveFullDefaults, ConvAndBatchNormDefaultsAreTheConstructorsOwn) {
  const ResolvedModel m = load_model_string(
      "name: d\ninput: {channels: 3, height: 16, width: 16}\ndense: false\nlayers:\n"
      "  - {name: c, type: conv, out: 4, dilation: 2}\n  - {name: bn, type: batchnorm}\n"
      "  - {name: p, type: maxpool, kernel: [2, 3]}\n");
  const nlohmann::json full = full_spec(m);
  const auto& conv = full["layers"][0];
  EXPECT_EQ(conv["kernel"], 3);
  EXPECT_EQ(conv["padding"], 2);  // dilation · (kernel − 1) / 2: derived defaults are the effective value
  EXPECT_EQ(conv["stride"], 1);
  EXPECT_EQ(conv["groups"], 1);
  EXPECT_EQ(conv["bias"], true);
  EXPECT_EQ(conv["init"], "kaiming_normal");
  EXPECT_EQ(conv["dilation"], 2);
  const auto& bn = full["layers"][1];
  EXPECT_EQ(bn["affine"], true);
  EXPECT_DOUBLE_EQ(bn["momentum"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(bn["eps"].get<double>(), 1e-5);
  EXPECT_EQ(full["layers"][2]["stride"], nlohmann::json::array({2, 3}));  // a pair stays a pair
}

TEST(ResolveFullCli, UnknownOutputExtensionIsAUsageError) {
  testing::TempDir dir("resolve_ext");
  const auto r = testing::run_atrous("model resolve " + zoo_model("plain") + " --full -o " + (dir / "x.txt"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(".json, .yaml or .yml"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace atrous
