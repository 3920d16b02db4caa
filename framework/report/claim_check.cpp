#include "report/claim_check.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "eval/metric_catalogue.hpp"
#include "report/analysis.hpp"
#include "sweep/claim.hpp"

namespace atrous::report {

namespace {

// The report metric of a group's finished runs, by seed.
std::map<int64_t, double> values_by_seed(const Group& g, const std::string& metric) {
  std::map<int64_t, double> out;
  for (const auto& r : g.runs) {
    if (r.record.status != store::RunStatus::done) continue;
    const auto it = r.summaries.find(metric);
    if (it != r.summaries.end() && std::isfinite(it->second)) out[r.record.seed] = it->second;
  }
  return out;
}

std::vector<double> values_of(const std::map<int64_t, double>& by_seed) {
  std::vector<double> out;
  for (const auto& [seed, v] : by_seed) out.push_back(v);
  return out;
}

bool same_seeds(const std::map<int64_t, double>& a, const std::map<int64_t, double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
           return x.first == y.first;
         });
}

const Group* group_named(const ReportData& d, const std::string& variant) {
  for (const auto& g : d.groups)
    if (g.variant == variant) return &g;
  return nullptr;
}

ClaimStep test_step(const ReportData& d, std::size_t claim, const std::string& better, const std::string& worse) {
  ClaimStep s;
  s.claim = claim;
  s.better = better;
  s.worse = worse;
  const Group* gb = group_named(d, better);
  const Group* gw = group_named(d, worse);
  const auto vb = gb ? values_by_seed(*gb, d.metric) : std::map<int64_t, double>{};
  const auto vw = gw ? values_by_seed(*gw, d.metric) : std::map<int64_t, double>{};
  s.n_better = vb.size();
  s.n_worse = vw.size();
  const auto a = values_of(vb), b = values_of(vw);
  if (!a.empty() && !b.empty()) s.difference = summarize(a).mean - summarize(b).mean;
  if (a.empty() || b.empty()) {
    s.untestable = "no finished run of " + (a.empty() ? better : worse);
    return s;
  }
  if (a.size() < 2 || b.size() < 2) {
    s.untestable = "one seed";
    return s;
  }
  s.paired = same_seeds(vb, vw);
  s.test = s.paired ? paired_t_test(a, b) : welch_t_test(a, b);
  if (!s.test) {
    s.untestable = s.paired ? "every seed's difference is the same" : "no variance on either side";
    return s;
  }
  const bool agrees = (*s.difference > 0) == higher_is_better(d.metric) && *s.difference != 0;
  s.verdict = agrees ? ClaimVerdict::agrees_not_significant : ClaimVerdict::contradicts_not_significant;
  return s;
}

}  // namespace

std::vector<ClaimStep> check_claims(const ReportData& d) {
  std::vector<ClaimStep> steps;
  for (std::size_t c = 0; c < d.claims.size(); ++c) {
    const auto names = parse_claim(d.claims[c]);
    if (!names) continue;  // the sweep validated the spec; an unreadable stored claim is skipped
    for (std::size_t i = 0; i + 1 < names->size(); ++i) steps.push_back(test_step(d, c, (*names)[i], (*names)[i + 1]));
  }
  // Holm's step-down adjustment over the tested steps, smallest p first.
  std::vector<std::pair<double, std::size_t>> tested;
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (steps[i].test) tested.emplace_back(steps[i].test->p, i);
  std::sort(tested.begin(), tested.end());
  double running = 0;
  for (std::size_t r = 0; r < tested.size(); ++r) {
    running = std::max(running, std::min(1.0, static_cast<double>(tested.size() - r) * tested[r].first));
    ClaimStep& s = steps[tested[r].second];
    s.p_holm = running;
    s.k = tested.size();
    if (s.p_holm < kSignificanceLevel)
      s.verdict = s.verdict == ClaimVerdict::agrees_not_significant ? ClaimVerdict::holds : ClaimVerdict::reversed;
  }
  return steps;
}

std::string to_string(ClaimVerdict v) {
  switch (v) {
    case ClaimVerdict::holds: return "holds";
    case ClaimVerdict::reversed: return "reversed";
    case ClaimVerdict::agrees_not_significant: return "means agree, not significant";
    case ClaimVerdict::contradicts_not_significant: return "means disagree, not significant";
    case ClaimVerdict::untestable: return "untestable";
  }
  return "?";
}

}  // namespace atrous::report
