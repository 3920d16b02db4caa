// Gathering a report's data: config diffs and grid points.
#include "report/report_data.hpp"

#include <gtest/gtest.h>

#include "data/data_test_support.hpp"  // TempDir
#include "model/build.hpp"
#include "model/load.hpp"
#include "model/summary.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous::report {
namespace {

using nlohmann::json;

TEST(ReportData, ConfigDiffNamesChangedAddedAndRemovedKeys) {
  const json base = json::parse(R"({"model": {"width": 8, "rates": [1, 2], "layers": [{"d": 1}, {"d": 1}]},
                                    "train": {"seed": 1, "lr": 0.1, "old": true}})");
  const json other = json::parse(R"({"model": {"width": 8, "rates": [1, 2, 4, 8], "layers": [{"d": 1}, {"d": 2}]},
                                     "train": {"seed": 2, "lr": 0.01}})");
  const auto diff = config_diff(base, other);
  using Change = std::pair<std::string, std::string>;  // baseline, value
  std::map<std::string, Change> by_key;
  for (const auto& c : diff) by_key[c.key] = {c.baseline, c.value};
  EXPECT_EQ(by_key.size(), 5u);
  EXPECT_EQ(by_key["model.rates[2]"], Change("", "4"));
  EXPECT_EQ(by_key["model.rates[3]"], Change("", "8"));
  EXPECT_EQ(by_key["model.layers[1].d"], Change("1", "2"));
  EXPECT_EQ(by_key["train.lr"], Change("0.1", "0.01"));
  EXPECT_EQ(by_key["train.old"], Change("true", ""));
  EXPECT_FALSE(by_key.count("train.seed"));
  EXPECT_TRUE(config_diff(base, base).empty());
}

TEST(ReportData, GroupsByVariantAndGridPoint) {
  testing::TempDir dir("report_data");
  auto s = store::Store::open(dir / "atrous.db");
  s.ensure_experiment("g", "", R"({"variants": {"a": {}, "b": {}}, "grid": {"train.lr": [0.1, 0.01]},
                                   "report": {"baseline": "a"}})");
  int n = 0;
  for (const char* v : {"a", "b"})
    for (double lr : {0.1, 0.01})
      for (int seed : {1, 2}) {
        store::RunRecord r;
        r.id = "r" + std::to_string(n++);
        r.experiment = "g";
        r.variant = v;
        r.seed = seed;
        r.config_json = json{{"model", {{"width", v == std::string("a") ? 8 : 16}}}, {"train", {{"lr", lr}, {"seed", seed}}}}.dump();
        s.upsert_run(r);
      }
  const ReportData d = load_report_data(s, "g");
  ASSERT_EQ(d.groups.size(), 4u);
  EXPECT_EQ(d.groups[0].label(), "a lr=0.1");
  EXPECT_EQ(d.groups[1].label(), "a lr=0.01");
  EXPECT_EQ(d.groups[2].label(), "b lr=0.1");
  for (const auto& g : d.groups) EXPECT_EQ(g.runs.size(), 2u) << g.label();
  EXPECT_TRUE(d.groups[1].is_baseline);
  EXPECT_FALSE(d.groups[3].is_baseline);
  // Each b group is compared with a at the same learning rate: only the width differs.
  ASSERT_EQ(d.baseline_of(d.groups[3]), &d.groups[1]);
  ASSERT_EQ(d.groups[3].diff.size(), 1u);
  EXPECT_EQ(d.groups[3].diff[0].key, "model.width");
  EXPECT_EQ(d.metric, "val.miou");  // the default when the spec names none
  // Queued runs have no values.
  EXPECT_TRUE(d.groups[0].values("val.miou").empty());
  EXPECT_EQ(d.groups[0].count(store::RunStatus::queued), 2u);
}

TEST(ReportData, ModelColumnsComeFromTheStoredResolvedModel) {
  testing::TempDir dir("report_model");
  auto s = store::Store::open(dir / "atrous.db");
  s.ensure_experiment("m");
  const std::string file = std::string(ATROUS_SOURCE_DIR) + "/configs/models/dilated.yaml";
  std::map<std::string, ModelSummary> expected;
  for (const char* rates : {"[1,2]", "[1,1]"}) {
    ModelOptions options;
    options.overrides = {"width=4", std::string("rates=") + rates};
    const ResolvedModel model = load_model(file, options);
    expected[rates] = atrous::summarize(model, build_graph(model));
    store::RunRecord r;
    r.id = rates;
    r.experiment = "m";
    r.variant = rates;
    r.config_json = json{{"model", model.spec}, {"train", {{"seed", 1}}}}.dump();
    s.upsert_run(r);
  }
  store::RunRecord broken;  // a model that does not build: no columns, no error
  broken.id = "x";
  broken.experiment = "m";
  broken.variant = "broken";
  broken.config_json = R"({"model": {"layers": 3}})";
  s.upsert_run(broken);
  const ReportData d = load_report_data(s, "m");
  ASSERT_EQ(d.groups.size(), 3u);
  for (std::size_t i = 0; i < 2; ++i) {
    const ModelSummary& e = expected.at(d.groups[i].variant);
    ASSERT_TRUE(d.groups[i].gflops.has_value()) << d.groups[i].variant;
    EXPECT_DOUBLE_EQ(*d.groups[i].gflops, e.flops / 1e9);
    EXPECT_EQ(d.groups[i].receptive_field, e.rf.str());
  }
  // Dilation 2 instead of 1 in the last 3x3 layer widens the field by 2 pixels.
  EXPECT_NE(d.groups[0].receptive_field, d.groups[1].receptive_field);
  EXPECT_FALSE(d.groups[2].gflops.has_value());
  EXPECT_EQ(d.groups[2].receptive_field, "");
}

}  // namespace
}  // namespace atrous::report
