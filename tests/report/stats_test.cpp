// Report statistics against closed forms, textbook tables and hand computation.
#include "report/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace atrous::report {
namespace {

TEST(ReportStats, MeanStdAndCiOfThreeSeeds) {
  // Hand computed: mean 0.72, deviations ±0.02 -> s = sqrt(0.0008/2) = 0.02;
  // CI half width = t(0.975, 2) · 0.02 / √3 = 4.302653 · 0.011547005 = 0.0496828.
  const Summary s = summarize({0.70, 0.72, 0.74});
  EXPECT_EQ(s.n, 3u);
  EXPECT_NEAR(s.mean, 0.72, 1e-12);
  ASSERT_TRUE(s.std.has_value());
  EXPECT_NEAR(*s.std, 0.02, 1e-12);
  ASSERT_TRUE(s.ci_low && s.ci_high);
  EXPECT_NEAR(*s.ci_low, 0.72 - 0.0496828, 1e-6);  // 1e-6: the hand value has 6 significant digits
  EXPECT_NEAR(*s.ci_high, 0.72 + 0.0496828, 1e-6);
}

TEST(ReportStats, OneValueHasNoSpread) {
  const Summary s = summarize({0.5});
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(s.mean, 0.5);
  EXPECT_FALSE(s.std.has_value());
  EXPECT_FALSE(s.ci_low.has_value());
  EXPECT_TRUE(std::isnan(summarize({}).mean));
}

TEST(ReportStats, IncompleteBetaClosedForms) {
  // I_x(1,1) = x; I_x(a,1) = x^a; I_x(1,b) = 1 − (1−x)^b; I_0.5(a,a) = 0.5.
  EXPECT_NEAR(incomplete_beta(1, 1, 0.3), 0.3, 1e-13);
  EXPECT_NEAR(incomplete_beta(3.5, 1, 0.7), std::pow(0.7, 3.5), 1e-13);
  EXPECT_NEAR(incomplete_beta(1, 4.2, 0.2), 1 - std::pow(0.8, 4.2), 1e-13);
  EXPECT_NEAR(incomplete_beta(7.3, 7.3, 0.5), 0.5, 1e-13);
  EXPECT_EQ(incomplete_beta(2, 3, 0), 0);
  EXPECT_EQ(incomplete_beta(2, 3, 1), 1);
}

TEST(ReportStats, IncompleteBetaMatchesNumericalIntegration) {
  // Independent check: Simpson's rule on t^(a−1)(1−t)^(b−1) / B(a,b) with 20000
  // intervals (error < 1e-11 here: a >= 2.5 keeps t^(a−1) smooth enough at 0, and x < 1
  // keeps (1−t)^(b−1) away from its singular point).
  for (auto [a, b, x] : {std::tuple{2.5, 3.7, 0.3}, std::tuple{3.0, 2.5, 0.8}, std::tuple{6.0, 2.0, 0.65}}) {
    const int n = 20000;
    const double h = x / n, lbeta = std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
    auto f = [&](double t) { return std::exp((a - 1) * std::log(t) + (b - 1) * std::log1p(-t) - lbeta); };
    double sum = 0 + f(x);  // f(0) = 0 for a > 1
    for (int i = 1; i < n; ++i) sum += (i % 2 ? 4 : 2) * f(i * h);
    EXPECT_NEAR(incomplete_beta(a, b, x), sum * h / 3, 1e-9) << a << " " << b << " " << x;
  }
}

TEST(ReportStats, StudentTailClosedForms) {
  // df = 1 (Cauchy): P(|T| > t) = 1 − (2/π) atan t; df = 2: 1 − t / √(2 + t²).
  for (double t : {0.1, 1.0, 2.5, 12.706}) {
    EXPECT_NEAR(student_t_two_sided_p(t, 1), 1 - 2 / std::numbers::pi * std::atan(t), 1e-12) << t;
    EXPECT_NEAR(student_t_two_sided_p(-t, 2), 1 - t / std::sqrt(2 + t * t), 1e-12) << t;
  }
  EXPECT_NEAR(student_t_two_sided_p(0, 5), 1, 1e-12);
}

TEST(ReportStats, StudentQuantilesMatchTheTextbookTable) {
  // Upper 0.975 critical values, NIST/SEMATECH e-Handbook of Statistical Methods,
  // table 1.3.6.7.2 (3 decimals there, hence the 5e-4 tolerance).
  const std::pair<double, double> table[] = {{1, 12.706}, {2, 4.303}, {3, 3.182}, {4, 2.776}, {5, 2.571},
                                             {9, 2.262},  {10, 2.228}, {30, 2.042}, {100, 1.984}};
  for (auto [df, t] : table) EXPECT_NEAR(student_t_quantile(0.975, df), t, 5e-4) << df;
  EXPECT_NEAR(student_t_quantile(0.025, 4), -2.776, 5e-4);
  EXPECT_EQ(student_t_quantile(0.5, 3), 0);
}

TEST(ReportStats, WelchWithEqualVariancesAndIntegerDf) {
  // a = {1, 3}, b = {4, 6}: s² = 2 each, se² = 1 + 1 = 2, t = −3/√2,
  // df = 2² / (1²/1 + 1²/1) = 2, p = 1 − |t|/√(2 + t²) = 0.1679497 (closed form at df 2).
  const auto r = welch_t_test({1, 3}, {4, 6});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->t, -3 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(r->df, 2, 1e-12);
  EXPECT_NEAR(r->p, 1 - 3 / std::sqrt(2.0) / std::sqrt(6.5), 1e-10);
}

TEST(ReportStats, WelchUnequalVariances) {
  // a = {1,2,3} (s² = 1), b = {2,4,6} (s² = 4): se² = 1/3 + 4/3 = 5/3, t = −2/√(5/3) = −1.5491933,
  // df = (5/3)² / ((1/3)²/2 + (4/3)²/2) = 50/17 = 2.9411765.
  const auto r = welch_t_test({1, 2, 3}, {2, 4, 6});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->t, -1.5491933, 1e-7);
  EXPECT_NEAR(r->df, 50.0 / 17.0, 1e-12);
  // p is the tail at that df: consistent with the quantile function both ways.
  EXPECT_NEAR(student_t_quantile(1 - r->p / 2, r->df), 1.5491933, 1e-6);
  EXPECT_GT(r->p, 0.2);  // between the df = 2 (0.261) and df = 3 (0.219) tails of t = 1.549
  EXPECT_LT(r->p, 0.261);
}

TEST(ReportStats, WelchNeedsTwoValuesEachAndSomeSpread) {
  EXPECT_FALSE(welch_t_test({0.5}, {0.4, 0.6}).has_value());
  EXPECT_FALSE(welch_t_test({0.5, 0.5}, {0.4, 0.4}).has_value());
}


TEST(ReportStats, PairedTestAgainstTheDf2ClosedForm) {
  // d = (0.02, 0.01, 0.03): mean 0.02, sd 0.01, t = 0.02 / (0.01/√3) = √12, df 2;
  // for df = 2, P(|T| > t) = 1 − t/√(2 + t²) = 1 − √12/√14.
  const auto r = paired_t_test({0.80, 0.82, 0.85}, {0.78, 0.81, 0.82});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->t, std::sqrt(12.0), 1e-9);
  EXPECT_DOUBLE_EQ(r->df, 2.0);
  EXPECT_NEAR(r->p, 1.0 - std::sqrt(12.0 / 14.0), 1e-9);
}

TEST(ReportStats, PairingRemovesTheSeedSpreadWelchCannot) {
  // Each seed moves both sides alike (a shared front end); the difference is steady.
  const std::vector<double> b = {0.70, 0.75, 0.80}, a = {0.72, 0.77, 0.83};
  const auto paired = paired_t_test(a, b), welch = welch_t_test(a, b);
  ASSERT_TRUE(paired && welch);
  EXPECT_LT(paired->p, 0.05);
  EXPECT_GT(welch->p, 0.5);
}

TEST(ReportStats, PairedNeedsEqualSizesTwoPairsAndSpread) {
  EXPECT_FALSE(paired_t_test({1, 2, 3}, {1, 2}).has_value());
  EXPECT_FALSE(paired_t_test({1}, {0}).has_value());
  EXPECT_FALSE(paired_t_test({2, 3, 4}, {1, 2, 3}).has_value());  // every difference 1: t undefined
}

}  // namespace
}  // namespace atrous::report
