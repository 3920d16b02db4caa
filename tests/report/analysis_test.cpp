// The report's analysis on hand-made data, no database: verdicts, Holm's
// correction, direction, ranking, rising curves, problem and missing runs.
#include "report/analysis.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sweep/experiment.hpp"  // kDefaultSeed

namespace atrous::report {
namespace {

constexpr double kTol = 1e-12;

RunData run(int64_t seed, std::map<std::string, double> summaries,
            store::RunStatus status = store::RunStatus::done) {
  RunData r;
  r.record.id = "r" + std::to_string(seed);
  r.record.seed = seed;
  r.record.status = status;
  r.summaries = std::move(summaries);
  return r;
}

// A group of done runs, seeds 1..n, with `values` of `key`.
Group group(const std::string& variant, const std::string& key, const std::vector<double>& values,
            std::map<std::string, std::string> grid = {}) {
  Group g;
  g.variant = variant;
  g.grid = std::move(grid);
  for (std::size_t i = 0; i < values.size(); ++i) g.runs.push_back(run(static_cast<int64_t>(i) + 1, {{key, values[i]}}));
  return g;
}

ReportData data(const std::string& metric, std::vector<Group> groups, const std::string& baseline = "base") {
  ReportData d;
  d.metric = metric;
  d.baseline = baseline;
  d.groups = std::move(groups);
  for (auto& g : d.groups) g.is_baseline = g.variant == baseline;
  return d;
}

// Variants 0.1 above and below a baseline of spread 0.02: Welch's t = 0.1 / √(2·0.0004/3)
// = 6.1237 with df = 4 (equal variances and n) on both sides; z barely differs.
ReportData holm_fixture(const std::string& metric) {
  return data(metric, {group("base", metric, {0.70, 0.72, 0.74}), group("x", metric, {0.80, 0.82, 0.84}),
                       group("y", metric, {0.80, 0.82, 0.84}), group("w", metric, {0.60, 0.62, 0.64}),
                       group("z", metric, {0.71, 0.73, 0.75})});
}

TEST(ReportAnalysis, HolmStepDownIsMonotoneAndVerdictsFollowIt) {
  const ReportData d = holm_fixture("val.miou");
  const auto c = compare_to_baseline(d);
  ASSERT_EQ(c.size(), 4u);  // every non-baseline group, in group order
  const double p = c[0].welch->p, pz = c[3].welch->p;
  EXPECT_NEAR(c[0].welch->t, 0.1 / std::sqrt(2 * 0.0004 / 3), 1e-9);
  EXPECT_NEAR(c[0].welch->df, 4, 1e-9);
  EXPECT_NEAR(c[2].welch->t, -c[0].welch->t, 1e-9);
  // Sorted p: x, y, w (all p), then z. Holm: 4p, max(4p, 3p), max(4p, 2p), max(4p, pz).
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(c[i].p_holm, 4 * p, kTol) << i;
  EXPECT_NEAR(c[3].p_holm, std::max(4 * p, pz), kTol);
  EXPECT_LT(4 * p, 0.05);
  EXPECT_GT(pz, 0.05);
  for (const auto& x : c) EXPECT_EQ(x.k, 4u);
  EXPECT_EQ(c[0].verdict, Verdict::significantly_better);
  EXPECT_EQ(c[1].verdict, Verdict::significantly_better);
  EXPECT_EQ(c[2].verdict, Verdict::significantly_worse);
  EXPECT_EQ(c[3].verdict, Verdict::not_significant);
  EXPECT_NEAR(*c[0].difference, 0.1, 1e-12);
  EXPECT_NEAR(*c[2].difference, -0.1, 1e-12);
  EXPECT_EQ(c[0].baseline, std::optional<std::size_t>(0));
  EXPECT_EQ(comparison_of(c, 2), &c[1]);
  EXPECT_EQ(comparison_of(c, 0), nullptr);  // the baseline is not compared with itself
}

TEST(ReportAnalysis, LowerIsBetterTurnsTheVerdicts) {
  const auto c = compare_to_baseline(holm_fixture("train.loss"));
  EXPECT_EQ(c[0].verdict, Verdict::significantly_worse);  // a higher loss
  EXPECT_EQ(c[2].verdict, Verdict::significantly_better);
}

TEST(ReportAnalysis, CapsHolmAtOne) {
  // One comparison at p > 0.5 among two: 2p would exceed 1.
  const ReportData d = data("val.miou", {group("base", "val.miou", {0.70, 0.72, 0.74}),
                                         group("a", "val.miou", {0.70, 0.72, 0.74}),
                                         group("b", "val.miou", {0.701, 0.721, 0.741})});
  const auto c = compare_to_baseline(d);
  EXPECT_NEAR(c[0].welch->p, 1.0, 1e-9);
  EXPECT_EQ(c[0].p_holm, 1.0);
  EXPECT_EQ(c[1].p_holm, 1.0);
}

TEST(ReportAnalysis, UntestableComparisonsSayWhy) {
  Group failed_only = group("failed", "val.miou", {});
  failed_only.runs.push_back(run(1, {}, store::RunStatus::failed));
  const ReportData d = data(
      "val.miou", {group("base", "val.miou", {0.70, 0.72, 0.74}), group("single", "val.miou", {0.9}), failed_only,
                   group("flat", "val.miou", {0.8, 0.8, 0.8}), group("ok", "val.miou", {0.80, 0.82, 0.84}),
                   group("elsewhere", "val.miou", {0.8, 0.9}, {{"lr", "0.1"}})});
  const auto c = compare_to_baseline(d);
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].verdict, Verdict::one_seed);
  EXPECT_NEAR(*c[0].difference, 0.18, 1e-12);
  EXPECT_EQ(c[1].verdict, Verdict::no_finished_run);
  EXPECT_FALSE(c[1].difference);
  EXPECT_EQ(c[1].n, 0u);
  EXPECT_EQ(c[1].n_baseline, 3u);
  // Both sides constant: the baseline varies, so the test runs (t defined).
  EXPECT_TRUE(was_tested(c[2].verdict));
  EXPECT_EQ(c[4].verdict, Verdict::no_baseline_runs);
  EXPECT_FALSE(c[4].baseline);
  // Only the two testable comparisons form Holm's family.
  EXPECT_EQ(c[2].k, 2u);
  EXPECT_EQ(c[3].k, 2u);
  EXPECT_EQ(c[0].k, 0u);

  const ReportData flat = data("val.miou", {group("base", "val.miou", {0.7, 0.7}), group("v", "val.miou", {0.8, 0.8})});
  const auto f = compare_to_baseline(flat);
  EXPECT_EQ(f[0].verdict, Verdict::no_variance);
  EXPECT_FALSE(was_tested(f[0].verdict));
  EXPECT_FALSE(is_significant(f[0].verdict));
}

TEST(ReportAnalysis, BestAndRankingFollowTheDirection) {
  const ReportData d = data("train.loss", {group("base", "train.loss", {0.5, 0.7}), group("a", "train.loss", {0.4}),
                                           group("b", "train.loss", {0.9}), group("c", "train.loss", {0.4}),
                                           group("none", "train.loss", {})});
  EXPECT_EQ(best_group(d, "train.loss"), std::optional<std::size_t>(1));  // ties: the first
  const auto r = rank_groups(d);
  ASSERT_EQ(r.size(), 4u);  // no values, no rank
  EXPECT_EQ(r[0].group, 1u);
  EXPECT_EQ(r[1].group, 3u);
  EXPECT_EQ(r[2].group, 0u);
  EXPECT_EQ(r[3].group, 2u);
  EXPECT_NEAR(r[2].mean, 0.6, kTol);
  EXPECT_EQ(best_group(d, "val.miou"), std::nullopt);

  ReportData higher = d;
  higher.metric = "val.miou";
  for (auto& g : higher.groups)
    for (auto& run : g.runs) run.summaries = {{"val.miou", run.summaries["train.loss"]}};
  EXPECT_EQ(best_group(higher, "val.miou"), std::optional<std::size_t>(2));
  EXPECT_EQ(rank_groups(higher)[0].group, 2u);
  EXPECT_EQ(rank_groups(higher)[2].group, 1u);  // the tie at 0.4 keeps group order
  EXPECT_EQ(rank_groups(higher)[3].group, 3u);
}

TEST(ReportAnalysis, RisingCurvesBeyondTheThreshold) {
  auto curve = [](std::vector<double> values) {
    std::vector<store::MetricPoint> points;
    for (std::size_t i = 0; i < values.size(); ++i)
      points.push_back({"val.miou", static_cast<int64_t>(10 * (i + 1)), static_cast<int64_t>(2 * (i + 1)), values[i], ""});
    return points;
  };
  ReportData d = data("val.miou", {group("base", "val.miou", {0.5}), group("a", "val.miou", {0.5}),
                                   group("b", "val.miou", {0.5}), group("c", "val.miou", {0.5})});
  d.groups[0].runs[0].curves["val.miou"] = curve({0.3, 0.4, 0.45});   // +0.05: rising
  d.groups[1].runs[0].curves["val.miou"] = curve({0.3, 0.5, 0.505});  // +0.005: flat
  d.groups[2].runs[0].curves["val.miou"] = curve({0.6, 0.5});         // falling
  d.groups[3].runs[0].curves["val.miou"] = curve({0.5});              // one point
  const auto r = rising_curves(d);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].group, 0u);
  EXPECT_NEAR(r[0].gain, 0.05, 1e-12);
  EXPECT_EQ(r[0].from_epoch, 4);
  EXPECT_EQ(r[0].to_epoch, 6);
  d.metric = "train.loss";  // falling is improving for a loss
  for (auto& g : d.groups)
    for (auto& run : g.runs) run.curves["train.loss"] = run.curves["val.miou"];
  const auto l = rising_curves(d);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].group, 2u);
  EXPECT_NEAR(l[0].gain, -0.1, 1e-12);
}

TEST(ReportAnalysis, ProblemRunsAndActiveRuns) {
  Group g = group("base", "val.miou", {0.7});
  g.runs.push_back(run(2, {}, store::RunStatus::failed));
  g.runs.push_back(run(3, {}, store::RunStatus::interrupted));
  g.runs.push_back(run(4, {}, store::RunStatus::queued));
  g.runs.push_back(run(5, {}, store::RunStatus::running));
  g.runs.push_back(run(6, {{"val.pixel_acc", 0.9}}));
  g.runs.push_back(run(7, {{"val.miou", NAN}}));
  const ReportData d = data("val.miou", {g});
  const auto p = problem_runs(d);
  using K = ProblemRun::Kind;
  const std::vector<K> kinds = {K::failed, K::interrupted, K::queued, K::running, K::no_metric, K::not_finite};
  ASSERT_EQ(p.size(), kinds.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i].kind, kinds[i]) << i;
    EXPECT_EQ(p[i].run->seed, static_cast<int64_t>(i) + 2);
  }
  EXPECT_EQ(active_runs(d), 2u);
}

TEST(ReportAnalysis, MissingRunsComeFromTheSweepsExpansion) {
  ReportData d = data("val.miou", {group("a", "val.miou", {0.7, 0.7}, {{"train.lr", "0.1"}}),
                                   group("a", "val.miou", {0.7}, {{"train.lr", "0.01"}}),
                                   group("b", "val.miou", {0.7, 0.7}, {{"train.lr", "0.1"}})},
                       "a");
  d.spec = nlohmann::json::parse(R"({"variants": {"b": {}, "a": {}}, "grid": {"train.lr": [0.1, 0.01]},
                                     "seeds": [1, 2]})");
  const auto m = missing_runs(d);
  // Variants in the stored (sorted) order, then grid points, then seeds.
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].variant, "a");
  EXPECT_EQ(m[0].grid, (std::map<std::string, std::string>{{"train.lr", "0.01"}}));
  EXPECT_EQ(m[0].seed, 2);
  EXPECT_EQ(m[1].variant, "b");
  EXPECT_EQ(m[1].grid.at("train.lr"), "0.01");
  EXPECT_EQ(m[1].seed, 1);
  EXPECT_EQ(m[2].seed, 2);

  // A named axis plans its option names; a spec without seeds plans the sweep's default seed.
  ReportData named = data("val.miou", {group("a", "val.miou", {0.7}, {{"dataset", "x"}})}, "a");
  named.groups[0].runs[0].record.seed = kDefaultSeed;
  named.spec = nlohmann::json::parse(R"({"variants": {"a": {}}, "grid": {"dataset": {"x": {}, "y": {"model.w": 2}}}})");
  const auto n = missing_runs(named);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].grid.at("dataset"), "y");
  EXPECT_EQ(n[0].seed, kDefaultSeed);

  // What the stored spec does not say plans nothing.
  for (const char* spec : {"{}", R"({"variants": [1], "seeds": [1]})", R"({"variants": {"a": {}}, "seeds": 3})",
                           R"({"variants": {"a": {}}, "seeds": ["one"]})",
                           R"({"variants": {"a": {}}, "seeds": [1], "grid": {"train.lr": 0.1}})"}) {
    named.spec = nlohmann::json::parse(spec);
    EXPECT_TRUE(missing_runs(named).empty()) << spec;
  }
}

}  // namespace
}  // namespace atrous::report
