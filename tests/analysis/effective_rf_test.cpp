// Effective receptive fields and gridding (framework/analysis/): the issue's
// checks. Exact comparisons are exact on purpose: with unit weights and no ReLU
// the input gradient is a count of paths (small integers, exact in float), and
// holes of a dilated stack are structural zeros (no path at all).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analysis/effective_rf.hpp"
#include "analysis/gridding.hpp"
#include "analysis/rf_report.hpp"
#include "analysis/stack_model.hpp"
#include "model/build.hpp"
#include "model/load.hpp"
#include "model/model_test_util.hpp"
#include "model/summary.hpp"
#include "train/checkpoint.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

void set_unit_weights(Graph& g) {
  for (auto& np : g.params())
    std::fill(np.param->value.begin(), np.param->value.end(), np.param->name == "bias" ? 0.f : 1.f);
}

ModelLoader loader_of(const StackSpec& spec) {
  return [spec](const std::optional<Shape>& input) { return stack_model(spec, input); };
}

// A linear stack with unit weights (so exact) measured at `size`.
ErfMap unit_stack_map(const std::vector<int64_t>& rates, int64_t size, ReceptiveField* rf_out = nullptr) {
  const ResolvedModel m = stack_model({.dilations = rates, .channels = 1, .relu = false, .height = size, .width = size});
  Graph g = build_graph(m);
  set_unit_weights(g);
  const ReceptiveField rf = summarize(m, g).rf;
  if (rf_out) *rf_out = rf;
  return measure_erf(g, rf, {.height = size, .width = size, .samples = 2, .seed = 1});
}

TEST(EffectiveRf, SingleUnitConvIsExactlyItsSupport) {
  const std::string yaml =
      "input: {channels: 1, height: 16, width: 16}\nlayers:\n  - {name: c, type: conv, out: 1, kernel: 3}\n";
  const ResolvedModel m = load_model_string(yaml, "one.yaml");
  Graph g = build_graph(m);
  set_unit_weights(g);
  const ErfMap map = measure_erf(g, summarize(m, g).rf, {.height = 16, .width = 16, .samples = 3, .seed = 5});
  ASSERT_EQ(map.out_y, 8);
  for (int64_t y = 0; y < 16; ++y)
    for (int64_t x = 0; x < 16; ++x) {
      const bool inside = y >= 7 && y <= 9 && x >= 7 && x <= 9;
      EXPECT_EQ(map.at(y, x), inside ? 1.0 : 0.0) << y << "," << x;
    }
  EXPECT_EQ(map.theoretical.top, 7);
  EXPECT_EQ(map.theoretical.left, 7);
  EXPECT_EQ(map.theoretical.height, 3);
  EXPECT_EQ(mass_square_side(map), 3);  // 8 of 9 equal pixels is 89% < 95%
  EXPECT_EQ(area_above_peak_fraction(map), 9);
  EXPECT_EQ(gridding_score(map).holes, 0);

  // The same through the trained-weights path: unit weights saved in a checkpoint
  // and loaded by `atrous rf --checkpoint` (the random map must differ from it).
  testing::TempDir dir("rf_ckpt");
  Checkpoint ck;
  add_parameters(ck, g);
  const std::string path = dir.path() + "/unit.safetensors";
  save_checkpoint(path, ck);
  RfRequest req{.input = Shape{1, 16, 16}, .samples = 2, .checkpoint = path, .out_dir = dir.path()};
  const RfReport r = analyse_receptive_fields([&](const std::optional<Shape>&) { return load_model_string(yaml, "one.yaml"); }, req);
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[1].weights, "trained");
  EXPECT_EQ(r.results[1].peak, 1.0);
  EXPECT_EQ(r.results[1].total, 9.0);
  EXPECT_EQ(r.results[1].area10, 9);
  EXPECT_NE(r.results[0].total, 9.0);
  EXPECT_TRUE(std::filesystem::exists(r.results[1].heatmap));

  // And without the model file: the architecture from the checkpoint's metadata
  // (the trainer's resolved run).
  ck.metadata["run"] = nlohmann::json{{"model", m.spec}}.dump();
  save_checkpoint(path, ck);
  const std::string cmd = std::string(ATROUS_BINARY) + " rf --checkpoint " + path +
                          " --input 1x16x16 --samples 2 --format json --threads 1 2>/dev/null > " + dir.path() +
                          "/out.json";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto j = nlohmann::json::parse(std::ifstream(dir.path() + "/out.json"));
  ASSERT_EQ(j["models"].size(), 1u);
  EXPECT_EQ(j["models"][0]["results"][1]["weights"], "trained");
  EXPECT_EQ(j["models"][0]["results"][1]["total_mass"].get<double>(), 9.0);
}

TEST(EffectiveRf, GriddingOf2222ButNot1248) {
  // Exact, unit weights: the 17x17 field of [2,2,2,2] reaches only the 9x9
  // pixels at even offsets from the centre.
  const GriddingScore holes = gridding_score(unit_stack_map({2, 2, 2, 2}, 33));
  EXPECT_EQ(holes.pixels, 17 * 17);
  EXPECT_EQ(holes.holes, 17 * 17 - 9 * 9);
  EXPECT_EQ(gridding_score(unit_stack_map({1, 2, 4, 8}, 47)).holes, 0);
  EXPECT_EQ(gridding_score(unit_stack_map({1, 2, 5}, 33)).holes, 0);  // HDC rates

  // End to end with the default random ReLU stacks (8 channels, 16 samples of
  // re-initialised weights): an accidental exact zero in all 16 samples would need
  // every path dead or cancelling each time, which does not happen.
  testing::TempDir dir("rf_cli");
  const std::string cmd = std::string(ATROUS_BINARY) + " rf --dilations 1,2,4,8 --dilations 2,2,2,2 --format json -o " +
                          dir.path() + " --threads 1 2>/dev/null > " + dir.path() + "/out.json";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto j = nlohmann::json::parse(std::ifstream(dir.path() + "/out.json"));
  ASSERT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["models"][0]["model"], "stack_k3_d1_2_4_8");
  EXPECT_EQ(j["models"][0]["results"][0]["gridding"].get<double>(), 0.0);
  EXPECT_EQ(j["models"][1]["results"][0]["holes"].get<int64_t>(), 17 * 17 - 9 * 9);
  EXPECT_GT(j["models"][1]["results"][0]["gridding"].get<double>(), 0.7);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/summary.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/stack_k3_d2_2_2_2_random.png"));
}

TEST(EffectiveRf, TheoreticalFieldsMatchTheModelLanguage) {
  // The values tests/model/receptive_field_test.cpp pins (RF = 1 + sum (k-1) d),
  // through `atrous rf --dilations`.
  const auto rf = [](std::vector<int64_t> rates, int64_t kernel) {
    RfRequest req{.samples = 1, .size_multiple = 1};
    const RfReport r = analyse_receptive_fields(loader_of({.dilations = rates, .kernel = kernel}), req);
    EXPECT_GE(r.input.h, r.rf.h.size);  // the default size holds the field
    return r.rf.h.size;
  };
  EXPECT_EQ(rf({1, 1, 1, 1}, 3), 9);
  EXPECT_EQ(rf({1, 2, 4, 8}, 3), 31);  // not the lesson's 21
  EXPECT_EQ(rf({2, 2, 2, 2}, 3), 17);
  EXPECT_EQ(rf({1, 2, 4}, 3), 15);
  EXPECT_EQ(rf({1, 1, 1}, 7), 19);  // not the lesson's 15
  const RfReport r = analyse_receptive_fields(loader_of({.dilations = {1, 2, 4, 8}}), {.samples = 1});
  std::vector<std::string> convs;
  for (const auto& l : r.layers)
    if (l.type == "conv") convs.push_back(l.rf);
  EXPECT_EQ(convs, (std::vector<std::string>{"3", "7", "15", "31"}));
}

TEST(EffectiveRf, MaxSideClampsTheDefaultInput) {
  // Rates 1,2,4,8,16 have a field of 63: the default input (with margin, multiple of 32) is 96.
  const auto loader = loader_of({.dilations = {1, 2, 4, 8, 16}});
  const RfReport free = analyse_receptive_fields(loader, {.samples = 1});
  EXPECT_EQ(free.input.h, 96);
  EXPECT_FALSE(free.capped);
  const RfReport capped = analyse_receptive_fields(loader, {.samples = 1, .max_side = 70});
  EXPECT_EQ(capped.input.h, 64);  // rounded down to the multiple
  EXPECT_EQ(capped.input.w, 64);
  EXPECT_TRUE(capped.capped);
  const RfReport roomy = analyse_receptive_fields(loader, {.samples = 1, .max_side = 256});
  EXPECT_EQ(roomy.input.h, 96);
  EXPECT_FALSE(roomy.capped);
}

TEST(EffectiveRf, MassSquareNeverExceedsTheTheoreticalField) {
  std::vector<RfReport> reports;
  for (const auto& rates : std::vector<std::vector<int64_t>>{{1, 1, 1, 1}, {1, 2, 4, 8}, {2, 2, 2, 2}, {1, 2, 5, 1, 2, 5}})
    for (bool relu : {false, true})
      reports.push_back(analyse_receptive_fields(loader_of({.dilations = rates, .channels = 4, .relu = relu}),
                                                 {.samples = 4, .seed = 3, .size_multiple = 1}));
  // Zoo models with pooling, stride, batch norm and upsampling (sampling inputs
  // with one initialisation, and re-initialised weights).
  for (const char* name : {"hdc", "fcn", "unet"})
    for (ErfSampling s : {ErfSampling::inputs, ErfSampling::weights}) {
      const std::string file = testing::zoo_model(name);
      reports.push_back(analyse_receptive_fields(
          [&](const std::optional<Shape>& in) {
            ModelOptions o;
            o.overrides = {"width=4"};
            o.input = in;
            return load_model(file, o);
          },
          {.samples = 2, .sampling = s}));
    }
  for (const auto& r : reports) {
    ASSERT_FALSE(r.rf.global);
    for (const auto& s : r.results) {
      EXPECT_GT(s.side95, 0) << r.model;
      EXPECT_LE(s.side95, std::max(r.rf.h.size, r.rf.w.size)) << r.model << " " << s.sampling;
    }
  }
}

}  // namespace
}  // namespace atrous

// A causal 1-D stack (issue #14): the theoretical field is 1 + sum (k-1) d samples,
// the default ERF input stays one row high, and with unit weights the measured mass
// is non-zero exactly on the field, which ends at the output sample (the past only).
namespace atrous {
namespace {

TEST(EffectiveRf, CausalSequenceStackFieldLiesInThePast) {
  const std::string yaml =
      "input: {channels: 1, length: 16}\nlayers:\n"
      "  - {name: c, type: conv1d, out: 1, kernel: 2, repeat: {dilation: [1, 2, 4, 8]}}\n";
  const ResolvedModel m = load_model_string(yaml, "causal.yaml");
  Graph g = build_graph(m);
  set_unit_weights(g);
  const ReceptiveField rf = summarize(m, g).rf;
  EXPECT_EQ(rf.h.size, 1);
  EXPECT_EQ(rf.w.size, 1 + 15);
  const auto [h, w] = default_erf_input(rf, 1, 16, 32);
  EXPECT_EQ(h, 1);  // a sequence stays a sequence
  EXPECT_EQ(w, 32);  // 16 + 2 * max(4, 16 / 4), rounded up to 32
  const ErfMap map = measure_erf(g, rf, {.height = h, .width = w, .samples = 2, .seed = 1});
  EXPECT_EQ(map.out_x, 16);
  for (int64_t x = 0; x < w; ++x) EXPECT_EQ(map.at(0, x) > 0.0, x > 16 - 16 && x <= 16) << "sample " << x;
  EXPECT_EQ(map.theoretical.left, 1);
  EXPECT_EQ(map.theoretical.width, 16);
}

}  // namespace
}  // namespace atrous
