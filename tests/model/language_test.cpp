// The model language's expansion: params, expressions, overrides, blocks,
// repeat, parallel branches, extends, canonical output.
#include <gtest/gtest.h>

#include "model/build.hpp"
#include "model/load.hpp"
#include "model_test_util.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::error_of;
using testing::TempDir;

// Names of the resolved layers, in order.
std::vector<std::string> names(const ResolvedModel& m) {
  std::vector<std::string> out;
  for (const auto& l : m.spec["layers"]) out.push_back(l["name"]);
  return out;
}

const json& layer(const ResolvedModel& m, const std::string& name) {
  for (const auto& l : m.spec["layers"])
    if (l["name"] == name) return l;
  static const json none;
  ADD_FAILURE() << "no layer " << name;
  return none;
}

const char* kSmall = R"(
name: small
params: {width: 8, classes: 3, half: "${width/2}"}
input: {channels: 3, height: 16, width: 16}
dense: true
classes: "${classes}"
layers:
  - {name: a, type: conv, out: "${width}"}
  - {name: b, type: conv, out: "${half + 1}", dilation: 2}
  - {name: head, type: conv, out: "${classes}", kernel: 1}
)";

TEST(ModelLanguage, ParamsExpressionsAndSequentialInputs) {
  const ResolvedModel m = load_model_string(kSmall, "m.yaml");
  EXPECT_EQ(names(m), (std::vector<std::string>{"a", "b", "head"}));
  EXPECT_EQ(layer(m, "a")["out"], 8);
  EXPECT_EQ(layer(m, "b")["out"], 5);  // half = width/2 = 4, + 1
  EXPECT_EQ(layer(m, "a")["from"], json::array({"input"}));
  EXPECT_EQ(layer(m, "b")["from"], json::array({"a"}));
  EXPECT_EQ(m.spec["output"], "head");
  EXPECT_EQ(m.spec["classes"], 3);
  EXPECT_EQ(m.spec["input"], json({{"channels", 3}, {"height", 16}, {"width", 16}}));
  EXPECT_EQ(m.where("b", "dilation").str(), "m.yaml:9:47");
}

TEST(ModelLanguage, HydraOverrides) {
  ModelOptions o;
  o.overrides = {"width=16", "params.classes=4", "input.height=32", "layers.1.dilation=3"};
  const ResolvedModel m = load_model_string(kSmall, "m.yaml", o);
  EXPECT_EQ(layer(m, "a")["out"], 16);
  EXPECT_EQ(layer(m, "b")["out"], 9);  // the dependent parameter follows
  EXPECT_EQ(layer(m, "b")["dilation"], 3);
  EXPECT_EQ(layer(m, "head")["out"], 4);
  EXPECT_EQ(m.spec["input"]["height"], 32);
  // A value from --set is located at the --set.
  EXPECT_EQ(m.where("b", "dilation").str(), "--set layers.1.dilation=3");
  o.overrides = {"widht=16"};
  EXPECT_NE(error_of([&] { load_model_string(kSmall, "m.yaml", o); }).find("no parameter or key 'widht'"),
            std::string::npos);
  o.overrides = {};
  o.input = Shape{3, 24, 40};
  EXPECT_EQ(load_model_string(kSmall, "m.yaml", o).spec["input"]["width"], 40);
}

TEST(ModelLanguage, CanonicalFormIgnoresWritingOrder) {
  const ResolvedModel a = load_model_string(kSmall, "a.yaml");
  const ResolvedModel b = load_model_string(R"(
layers:
  - {out: 8, type: conv, name: a}
  - {dilation: 2, name: b, type: conv, out: 5}
  - {kernel: 1, out: 3, name: head, type: conv}
classes: 3
dense: true
input: {width: 16, height: 16, channels: 3}
name: small
)",
                                            "b.yaml");
  EXPECT_EQ(a.canonical(), b.canonical());
  // Keys sorted, one line: stable for hashing.
  EXPECT_EQ(a.canonical().rfind("{\"classes\":3,\"dense\":true,\"input\":", 0), 0u) << a.canonical();
}

const char* kBlocks = R"(
params: {width: 4}
input: {channels: 2, height: 16, width: 16}
blocks:
  unit:
    params: {out: ~, d: 1}
    layers:
      - {name: conv, type: conv, out: "${out}", dilation: "${d}"}
      - {name: act, type: relu}
  pair:
    inputs: [x, skip]
    params: {out: ~}
    layers:
      - {name: up, block: unit, out: "${out}", from: x}
      - {name: cat, type: concat, from: [up, skip]}
layers:
  - {name: stem, block: unit, out: "${width}"}
  - {name: ctx, block: unit, out: "${2*width}", repeat: {d: [1, 2, 4]}}
  - {name: plain, type: conv, out: 3, repeat: 2}
  - {name: fuse, block: pair, out: 5, from: [plain, stem]}
  - {name: deep, type: conv, out: 2, from: fuse.up.conv}
)";

TEST(ModelLanguage, BlocksRepeatAndScopedNames) {
  const ResolvedModel m = load_model_string(kBlocks, "m.yaml");
  EXPECT_EQ(names(m), (std::vector<std::string>{"stem.conv", "stem.act", "ctx.0.conv", "ctx.0.act", "ctx.1.conv",
                                                "ctx.1.act", "ctx.2.conv", "ctx.2.act", "plain.0", "plain.1",
                                                "fuse.up.conv", "fuse.up.act", "fuse.cat", "deep"}));
  EXPECT_EQ(layer(m, "ctx.2.conv")["dilation"], 4);
  EXPECT_EQ(layer(m, "ctx.2.conv")["out"], 8);
  EXPECT_EQ(layer(m, "ctx.0.conv")["from"], json::array({"stem.act"}));  // a block's name is its output
  EXPECT_EQ(layer(m, "ctx.1.conv")["from"], json::array({"ctx.0.act"}));  // repeats chain
  EXPECT_EQ(layer(m, "plain.0")["from"], json::array({"ctx.2.act"}));     // `ctx` is the last repeat
  EXPECT_EQ(layer(m, "fuse.up.conv")["from"], json::array({"plain.1"}));  // named block inputs
  EXPECT_EQ(layer(m, "fuse.cat")["from"], json::array({"fuse.up.act", "stem.act"}));
  EXPECT_EQ(layer(m, "deep")["from"], json::array({"fuse.up.conv"}));  // reaching into a block use
  EXPECT_EQ(m.spec["output"], "deep");
  // Each key of a repeated block parameter is located at its value in the repeat list.
  EXPECT_EQ(m.where("ctx.2.conv", "out").str(), "m.yaml:8:34");  // `out:` inside the block
  EXPECT_NE(m.origins.at("ctx.2.conv").context().find("block 'unit' used at m.yaml:18:5"), std::string::npos)
      << m.origins.at("ctx.2.conv").context();
  Graph g = build_graph(m);
  EXPECT_EQ(g.shape("fuse.cat"), (Shape{9, 16, 16}));
}

TEST(ModelLanguage, ParallelRepeatsAreBranches) {
  const ResolvedModel m = load_model_string(R"(
input: {channels: 2, height: 16, width: 16}
layers:
  - {name: stem, type: conv, out: 4}
  - {name: b0, type: conv, out: 3, kernel: 1}
  - {name: rate, type: conv, out: 3, from: stem, parallel: true, repeat: {dilation: [2, 3]}}
  - {name: cat, type: concat, from: [b0, rate]}
  - {name: sum, type: add, from: rate}
  - {name: out, type: conv, out: 1, from: [cat]}
)",
                                            "m.yaml");
  EXPECT_EQ(layer(m, "rate.0")["from"], json::array({"stem"}));
  EXPECT_EQ(layer(m, "rate.1")["from"], json::array({"stem"}));
  EXPECT_EQ(layer(m, "cat")["from"], json::array({"b0", "rate.0", "rate.1"}));
  EXPECT_EQ(layer(m, "sum")["from"], json::array({"rate.0", "rate.1"}));
  Graph g = build_graph(m);
  EXPECT_EQ(g.shape("cat").c, 9);
}

TEST(ModelLanguage, ForwardReferencesAreOrderedTopologically) {
  const ResolvedModel m = load_model_string(R"(
input: {channels: 2, height: 8, width: 8}
output: c
layers:
  - {name: c, type: conv, out: 2, from: b}
  - {name: a, type: conv, out: 2, from: input}
  - {name: b, type: conv, out: 2, from: a}
)",
                                            "m.yaml");
  EXPECT_EQ(names(m), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_NO_THROW(build_graph(m));
}

TEST(ModelLanguage, BlockFilesExtendsAndOverride) {
  TempDir dir("extends");
  dir.write("blocks/twice.yaml", R"(
description: two convs
params: {out: ~, k: 3}
layers:
  - {name: first, type: conv, out: "${out}", kernel: "${k}"}
  - {name: second, type: conv, out: "${out}", kernel: "${k}"}
)");
  dir.write("models/base.yaml", R"(
name: base
params: {width: 4, classes: 2}
input: {channels: 3, height: 16, width: 16}
dense: true
layers:
  - {name: body, block: twice, out: "${width}"}
  - {name: extra, block: ../blocks/twice.yaml, out: 3, k: 1}
  - {name: head, type: conv, out: "${classes}", kernel: 1}
)");
  const std::string child = dir.write("models/child.yaml", R"(extends: base.yaml
params: {width: 6}
input: {height: 32}
override:
  head: {kernel: 3}
  extra: {k: null}
)");
  const ResolvedModel m = load_model(child);
  EXPECT_EQ(m.name(), "child");  // the name is not inherited
  EXPECT_EQ(layer(m, "body.first")["out"], 6);
  EXPECT_EQ(layer(m, "body.second")["kernel"], 3);
  EXPECT_EQ(layer(m, "extra.first")["kernel"], 3);  // k removed: the block's default again
  EXPECT_EQ(layer(m, "head")["kernel"], 3);
  EXPECT_EQ(m.spec["input"], json({{"channels", 3}, {"height", 32}, {"width", 16}}));
  // Locations follow the files: the override in the child, the rest in the base and block.
  EXPECT_EQ(m.where("head", "kernel").str(), child + ":5:10");
  EXPECT_EQ(m.where("head", "out").file, dir.path() + "/models/base.yaml");
  EXPECT_EQ(m.where("body.first", "kernel").str(), dir.path() + "/blocks/twice.yaml:5:46");
  EXPECT_NO_THROW(build_graph(m));
}

TEST(ModelLanguage, ResolvedJsonRoundTrips) {
  const ResolvedModel m = load_model_string(kBlocks, "m.yaml");
  const ResolvedModel back = resolved_from_json(json::parse(m.canonical()), "saved.json");
  EXPECT_EQ(back.canonical(), m.canonical());
  Graph a = build_graph(m), b = build_graph(back);
  EXPECT_EQ(a.parameter_count(), b.parameter_count());
  json broken = m.spec;
  broken["layers"][1]["from"] = json::array({"nothere"});
  EXPECT_NE(error_of([&] { resolved_from_json(broken, "saved.json"); }).find("saved.json: resolved model: layer"),
            std::string::npos);
}

}  // namespace
}  // namespace atrous
