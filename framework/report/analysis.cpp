#include "report/analysis.hpp"

#include <algorithm>
#include <cmath>

#include "eval/metric_catalogue.hpp"
#include "sweep/stored_spec.hpp"

namespace atrous::report {

using store::RunStatus;

bool is_significant(Verdict v) { return v == Verdict::significantly_better || v == Verdict::significantly_worse; }

bool was_tested(Verdict v) { return is_significant(v) || v == Verdict::not_significant; }

std::vector<Comparison> compare_to_baseline(const ReportData& d) {
  std::vector<Comparison> out;
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    const Group& g = d.groups[i];
    if (g.is_baseline) continue;
    Comparison c;
    c.group = i;
    const Group* b = d.baseline_of(g);
    if (!b) {
      out.push_back(c);
      continue;
    }
    c.baseline = static_cast<std::size_t>(b - d.groups.data());
    const auto a = g.values(d.metric), bv = b->values(d.metric);
    c.n = a.size();
    c.n_baseline = bv.size();
    if (!a.empty() && !bv.empty()) c.difference = summarize(a).mean - summarize(bv).mean;
    if (a.size() >= 2 && bv.size() >= 2) c.welch = welch_t_test(a, bv);
    c.verdict = a.empty() || bv.empty()          ? Verdict::no_finished_run
                : a.size() < 2 || bv.size() < 2 ? Verdict::one_seed
                : !c.welch                       ? Verdict::no_variance
                                                 : Verdict::not_significant;  // until Holm below
    out.push_back(c);
  }
  // Holm's step-down adjustment over the tested comparisons, smallest p first.
  std::vector<std::pair<double, std::string>> tested;  // (p, label): ties in label order
  for (const auto& c : out)
    if (c.welch) tested.emplace_back(c.welch->p, d.groups[c.group].label());
  std::sort(tested.begin(), tested.end());
  const bool higher = higher_is_better(d.metric);
  double running = 0;
  for (std::size_t i = 0; i < tested.size(); ++i) {
    running = std::max(running, std::min(1.0, static_cast<double>(tested.size() - i) * tested[i].first));
    for (auto& c : out) {
      if (!c.welch || d.groups[c.group].label() != tested[i].second) continue;
      c.p_holm = running;
      c.k = tested.size();
      if (c.p_holm < kSignificanceLevel)
        c.verdict = (*c.difference > 0) == higher ? Verdict::significantly_better : Verdict::significantly_worse;
    }
  }
  return out;
}

const Comparison* comparison_of(const std::vector<Comparison>& comparisons, std::size_t g) {
  for (const auto& c : comparisons)
    if (c.group == g) return &c;
  return nullptr;
}

std::optional<std::size_t> best_group(const ReportData& d, const std::string& key) {
  std::optional<std::size_t> best;
  double best_mean = 0;
  const bool higher = higher_is_better(key);
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    const auto v = d.groups[i].values(key);
    if (v.empty()) continue;
    const double m = summarize(v).mean;
    if (!best || (higher ? m > best_mean : m < best_mean)) best = i, best_mean = m;
  }
  return best;
}

std::vector<RankedGroup> rank_groups(const ReportData& d) {
  std::vector<RankedGroup> ranked;
  for (std::size_t i = 0; i < d.groups.size(); ++i)
    if (const auto v = d.groups[i].values(d.metric); !v.empty()) ranked.push_back({i, summarize(v).mean});
  const bool higher = higher_is_better(d.metric);
  std::stable_sort(ranked.begin(), ranked.end(), [&](const RankedGroup& x, const RankedGroup& y) {
    return higher ? x.mean > y.mean : x.mean < y.mean;
  });
  return ranked;
}

std::vector<RisingCurve> rising_curves(const ReportData& d) {
  std::vector<RisingCurve> out;
  const bool higher = higher_is_better(d.metric);
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    const auto curve = d.groups[i].curve(d.metric);
    if (curve.size() < 2) continue;
    const EpochPoint &last = curve.back(), &before = curve[curve.size() - 2];
    const double gain = last.mean - before.mean;
    if ((higher ? gain : -gain) > kRisingThreshold) out.push_back({i, gain, before.epoch, last.epoch});
  }
  return out;
}

std::vector<ProblemRun> problem_runs(const ReportData& d) {
  std::vector<ProblemRun> out;
  for (std::size_t i = 0; i < d.groups.size(); ++i)
    for (const auto& r : d.groups[i].runs) {
      using K = ProblemRun::Kind;
      std::optional<K> kind;
      switch (r.record.status) {
        case RunStatus::failed: kind = K::failed; break;
        case RunStatus::interrupted: kind = K::interrupted; break;
        case RunStatus::queued: kind = K::queued; break;
        case RunStatus::running: kind = K::running; break;
        default:
          if (!r.summaries.count(d.metric))
            kind = K::no_metric;
          else if (!std::isfinite(r.summaries.at(d.metric)))
            kind = K::not_finite;
      }
      if (kind) out.push_back({i, &r.record, *kind});
    }
  return out;
}

std::vector<MissingRun> missing_runs(const ReportData& d) {
  const ExperimentSpec outline = stored_spec_outline(d.spec);
  // More than a sweep may plan is not a stored sweep's spec: nothing to check against.
  if (planned_run_count(outline) > kMaxPlannedRuns) return {};
  std::vector<MissingRun> out;
  for (const PlannedRun& p : expand(outline)) {
    MissingRun m{p.variant, {}, p.seed};
    for (const auto& [k, v] : p.grid_values) m.grid[k] = v.is_string() ? v.get<std::string>() : v.dump();
    const bool found = std::any_of(d.groups.begin(), d.groups.end(), [&](const Group& g) {
      return g.variant == m.variant && g.grid == m.grid &&
             std::any_of(g.runs.begin(), g.runs.end(), [&](const RunData& r) { return r.record.seed == m.seed; });
    });
    if (!found) out.push_back(std::move(m));
  }
  return out;
}

std::size_t active_runs(const ReportData& d) {
  std::size_t n = 0;
  for (const auto& g : d.groups) n += g.count(RunStatus::queued) + g.count(RunStatus::running);
  return n;
}

}  // namespace atrous::report
