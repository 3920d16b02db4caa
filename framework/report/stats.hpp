#pragma once
// The statistics of a report: mean, sample standard deviation, a 95% confidence
// interval of the mean, Welch's two-sample t-test and the paired t-test, for the handful of seeds an
// ablation has (n = 1..10). Everything is computed here from first principles
// (no statistics library): Student's t distribution through the regularised
// incomplete beta function (Numerical Recipes, 3rd ed., §6.4), its quantiles by
// bisection on that CDF. n = 1 has no spread: std and CI are absent, and a test
// needs n >= 2 on both sides.
#include <cstddef>
#include <optional>
#include <vector>

namespace atrous::report {

struct Summary {
  std::size_t n = 0;
  double mean = 0;               // NaN when n == 0
  std::optional<double> std;     // sample std (n − 1 denominator); absent when n < 2
  std::optional<double> ci_low;  // 95% CI of the mean, mean ± t(0.975, n−1)·std/√n; absent when n < 2
  std::optional<double> ci_high;
};

Summary summarize(const std::vector<double>& values);

// I_x(a, b) for a, b > 0 and x in [0, 1].
double incomplete_beta(double a, double b, double x);

// P(|T| > |t|) for Student's t with df > 0 (df may be fractional: Welch).
double student_t_two_sided_p(double t, double df);

// The q-quantile of Student's t (0 < q < 1), to ~1e-10.
double student_t_quantile(double q, double df);

struct WelchResult {
  double t = 0;   // (mean_a − mean_b) / √(s_a²/n_a + s_b²/n_b)
  double df = 0;  // Welch–Satterthwaite
  double p = 1;   // two-sided
};

// Welch's unequal-variance t-test of a against b; absent when either side has
// n < 2, or both variances are zero (t undefined).
std::optional<WelchResult> welch_t_test(const std::vector<double>& a, const std::vector<double>& b);

// The paired t-test of a against b, pair i being a[i] and b[i] (runs of the same
// seed: same data order, and for staged variants the same front end, so the
// seed-to-seed spread cancels in the differences): t = mean(d) / (sd(d)/√n),
// df = n − 1, for d = a − b. Absent when sizes differ, n < 2, or every
// difference is equal (sd 0: t undefined). Reported in the WelchResult shape.
std::optional<WelchResult> paired_t_test(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace atrous::report
