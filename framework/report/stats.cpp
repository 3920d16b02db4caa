#include "report/stats.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace atrous::report {

namespace {

double sample_variance(const std::vector<double>& v, double mean) {
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return ss / static_cast<double>(v.size() - 1);
}

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

// The continued fraction of I_x(a, b) by the modified Lentz method (Numerical
// Recipes §6.4, betacf); converges fast for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-15;
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < eps) break;
  }
  return h;
}

}  // namespace

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  if (s.n == 0) {
    s.mean = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  s.mean = mean_of(values);
  if (s.n < 2) return s;
  s.std = std::sqrt(sample_variance(values, s.mean));
  const double half = student_t_quantile(0.975, static_cast<double>(s.n - 1)) * *s.std / std::sqrt(double(s.n));
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  return s;
}

double incomplete_beta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) throw std::invalid_argument("incomplete_beta: a, b > 0, x in [0, 1]");
  if (x == 0 || x == 1) return x;
  // ln of x^a (1−x)^b / B(a, b), the prefactor of the continued fraction.
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  // The fraction converges for x < (a+1)/(a+b+2); beyond, use I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return front * beta_continued_fraction(a, b, x) / a;
  return 1 - front * beta_continued_fraction(b, a, 1 - x) / b;
}

double student_t_two_sided_p(double t, double df) {
  if (!(df > 0)) throw std::invalid_argument("student_t_two_sided_p: df > 0");
  if (std::isinf(t)) return 0;
  return incomplete_beta(df / 2, 0.5, df / (df + t * t));
}

double student_t_quantile(double q, double df) {
  if (!(q > 0 && q < 1)) throw std::invalid_argument("student_t_quantile: 0 < q < 1");
  if (q == 0.5) return 0;
  // CDF(t) for t > 0 is 1 − p/2 with p the two-sided tail; solve by bisection on
  // |t| (monotone), then restore the sign.
  const double tail = q > 0.5 ? 2 * (1 - q) : 2 * q;
  double lo = 0, hi = 1;
  while (student_t_two_sided_p(hi, df) > tail) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (student_t_two_sided_p(mid, df) > tail ? lo : hi) = mid;
  }
  const double t = (lo + hi) / 2;
  return q > 0.5 ? t : -t;
}

std::optional<WelchResult> welch_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2) return std::nullopt;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double ma = mean_of(a), mb = mean_of(b);
  const double va = sample_variance(a, ma) / na, vb = sample_variance(b, mb) / nb;  // squared standard errors
  if (va + vb == 0) return std::nullopt;
  WelchResult r;
  r.t = (ma - mb) / std::sqrt(va + vb);
  r.df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
  r.p = student_t_two_sided_p(r.t, r.df);
  return r;
}

std::optional<WelchResult> paired_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) return std::nullopt;
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  const double n = static_cast<double>(d.size()), m = mean_of(d);
  const double se2 = sample_variance(d, m) / n;
  if (se2 == 0) return std::nullopt;
  WelchResult r;
  r.t = m / std::sqrt(se2);
  r.df = n - 1;
  r.p = student_t_two_sided_p(r.t, r.df);
  return r;
}

}  // namespace atrous::report
