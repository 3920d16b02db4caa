// The report's claims tested step by step on hand-made data: pairing by seed,
// Welch when seeds differ, Holm over the steps, the metric's direction, and why
// a step cannot be tested.
#include "report/claim_check.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace atrous::report {
namespace {

// A group of done runs with `values` of the metric for `seeds`.
Group group(const std::string& variant, const std::string& key, const std::vector<double>& values,
            std::vector<int64_t> seeds = {1, 2, 3}) {
  Group g;
  g.variant = variant;
  for (std::size_t i = 0; i < values.size(); ++i) {
    RunData r;
    r.record.id = variant + std::to_string(seeds[i]);
    r.record.seed = seeds[i];
    r.record.status = store::RunStatus::done;
    r.summaries = {{key, values[i]}};
    g.runs.push_back(r);
  }
  return g;
}

ReportData data(const std::string& metric, std::vector<Group> groups, std::vector<std::string> claims) {
  ReportData d;
  d.metric = metric;
  d.groups = std::move(groups);
  d.claims = std::move(claims);
  return d;
}

TEST(ClaimCheck, AChainIsTestedStepByStepPairedBySeed) {
  // b − c: 0.02, 0.01, 0.03 per seed (paired t = √12, df 2, p = 1 − √(12/14) = 0.074);
  // a − b: 0.10 ± small per seed, p tiny.
  const auto d = data("val.miou",
                      {group("a", "val.miou", {0.90, 0.93, 0.96}), group("b", "val.miou", {0.80, 0.82, 0.85}),
                       group("c", "val.miou", {0.78, 0.81, 0.82})},
                      {"a > b > c"});
  const auto steps = check_claims(d);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].better, "a");
  EXPECT_EQ(steps[0].worse, "b");
  EXPECT_TRUE(steps[1].paired);
  EXPECT_NEAR(steps[1].test->t, std::sqrt(12.0), 1e-9);
  EXPECT_NEAR(steps[1].test->p, 1 - std::sqrt(12.0 / 14.0), 1e-9);
  EXPECT_EQ(steps[1].k, 2u);
  // Holm: the larger p is the second, multiplied by 1; the smaller by 2.
  EXPECT_NEAR(steps[1].p_holm, std::max(steps[1].test->p, 2 * steps[0].test->p), 1e-12);
  EXPECT_EQ(steps[0].verdict, ClaimVerdict::holds);
  EXPECT_EQ(steps[1].verdict, ClaimVerdict::agrees_not_significant);
}

TEST(ClaimCheck, DifferentSeedsFallBackToWelch) {
  const auto d = data("val.miou",
                      {group("a", "val.miou", {0.80, 0.82, 0.84}), group("b", "val.miou", {0.70, 0.72, 0.74}, {4, 5, 6})},
                      {"a > b"});
  const auto steps = check_claims(d);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_FALSE(steps[0].paired);
  EXPECT_NEAR(steps[0].test->t, welch_t_test({0.80, 0.82, 0.84}, {0.70, 0.72, 0.74})->t, 1e-12);
  EXPECT_EQ(steps[0].verdict, ClaimVerdict::holds);
}

TEST(ClaimCheck, ASignificantStepTheOtherWayIsReversed) {
  const auto d = data("val.miou",
                      {group("a", "val.miou", {0.70, 0.72, 0.75}), group("b", "val.miou", {0.80, 0.82, 0.86})},
                      {"a > b"});
  const auto steps = check_claims(d);
  EXPECT_EQ(steps[0].verdict, ClaimVerdict::reversed);
  EXPECT_LT(*steps[0].difference, 0);
}

TEST(ClaimCheck, BetterFollowsTheMetricsDirection) {
  // A loss: lower is better, so a (lower) > b holds.
  const auto d = data("val.loss",
                      {group("a", "val.loss", {0.30, 0.32, 0.35}), group("b", "val.loss", {0.50, 0.53, 0.55})},
                      {"a > b", "b > a"});
  const auto steps = check_claims(d);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].verdict, ClaimVerdict::holds);
  EXPECT_EQ(steps[1].verdict, ClaimVerdict::reversed);
}

TEST(ClaimCheck, UntestableStepsSayWhyAndStayOutOfHolm) {
  const auto d = data("val.miou",
                      {group("a", "val.miou", {0.80, 0.82, 0.84}), group("b", "val.miou", {0.70}, {1}),
                       group("c", "val.miou", {0.70, 0.72, 0.75}), group("d", "val.miou", {0.60, 0.62, 0.64})},
                      {"a > b", "a > nothing", "c > d"});
  const auto steps = check_claims(d);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].verdict, ClaimVerdict::untestable);
  EXPECT_EQ(steps[0].untestable, "one seed");
  EXPECT_EQ(steps[1].untestable, "no finished run of nothing");
  EXPECT_FALSE(steps[1].difference.has_value());
  // c − d = 0.10, 0.10, 0.11: paired, and alone in the Holm family.
  EXPECT_EQ(steps[2].k, 1u);
  EXPECT_DOUBLE_EQ(steps[2].p_holm, steps[2].test->p);
}

}  // namespace
}  // namespace atrous::report
