#pragma once
// What a report concludes, as plain data: each variant against its baseline
// (Welch's t-test with Holm's step-down correction, and a verdict), the ranking,
// curves still rising at their last evaluation, the runs that failed, are still
// to run or were never made. The markdown writer (markdown_report.hpp) only
// words these. Directions ("best") come from the metric catalogue
// (eval/metric_catalogue.hpp). Groups are referred to by their index in the
// ReportData analysed.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/report_data.hpp"
#include "report/stats.hpp"

namespace atrous::report {

enum class Verdict {
  significantly_better,  // p (Holm) < 0.05 and the mean is better
  significantly_worse,   // p (Holm) < 0.05 and the mean is worse
  not_significant,
  no_variance,       // n >= 2 on both sides but both have zero variance: t is undefined
  one_seed,          // a side has a single finished run
  no_finished_run,   // a side has none
  no_baseline_runs,  // no baseline group at this grid point
};

bool is_significant(Verdict v);
// Whether the verdict came from a test (significant or not), not from missing data.
bool was_tested(Verdict v);

// The significance level of every verdict.
inline constexpr double kSignificanceLevel = 0.05;

// One variant against the baseline at its grid point, on the report metric.
struct Comparison {
  std::size_t group = 0;                  // index in ReportData::groups
  std::optional<std::size_t> baseline;    // its baseline group; none: no_baseline_runs
  std::size_t n = 0, n_baseline = 0;      // finished values on each side
  std::optional<double> difference;       // mean − baseline mean; absent when a side has no value
  std::optional<WelchResult> welch;       // absent when untestable
  double p_holm = 1;                      // Holm-adjusted p over the k tested comparisons
  std::size_t k = 0;                      // tested comparisons at this point (0 when this one is not tested)
  Verdict verdict = Verdict::no_baseline_runs;
};

// Every non-baseline group's comparison, in group order. Picking the best of k
// variants and testing it at 5% alone would overstate it, so p is adjusted by
// Holm's step-down procedure over the testable comparisons (both sides n >= 2,
// t defined): sorted by p, p_(i) · (k − i) (i from 0), capped at 1, made monotone.
// Call it on one grid point's data (ReportData::at_grid_point).
std::vector<Comparison> compare_to_baseline(const ReportData& d);

// The comparison of group `g` in `comparisons`; nullptr when there is none (a baseline group).
const Comparison* comparison_of(const std::vector<Comparison>& comparisons, std::size_t g);

// Index of the group with the best mean of `key` (ties: the first); none when no group has values.
std::optional<std::size_t> best_group(const ReportData& d, const std::string& key);

struct RankedGroup {
  std::size_t group = 0;
  double mean = 0;
};

// The groups with finished values of the report metric, best mean first (ties keep group order).
std::vector<RankedGroup> rank_groups(const ReportData& d);

// A curve still improving by more than kRisingThreshold between its last two
// evaluations: the budget, not the architecture, may be deciding the ranking.
struct RisingCurve {
  std::size_t group = 0;
  double gain = 0;  // last − previous mean over seeds (signed as the metric moves)
  int64_t from_epoch = 0, to_epoch = 0;
};

inline constexpr double kRisingThreshold = 0.01;

std::vector<RisingCurve> rising_curves(const ReportData& d);

// A run that is not a finished value of the report metric.
struct ProblemRun {
  enum class Kind { failed, interrupted, queued, running, no_metric, not_finite };
  std::size_t group = 0;
  const store::RunRecord* run = nullptr;  // points into the ReportData analysed
  Kind kind = Kind::failed;
};

std::vector<ProblemRun> problem_runs(const ReportData& d);

// A planned (variant, grid point, seed) of the stored spec with no run at all,
// from the sweep's own expansion (sweep/stored_spec.hpp); in plan order over
// the stored spec (its variants and grid axes sorted by name).
struct MissingRun {
  std::string variant;
  std::map<std::string, std::string> grid;  // as Group::grid: option names, or values as JSON text
  int64_t seed = 0;
};

std::vector<MissingRun> missing_runs(const ReportData& d);

// Runs queued or running.
std::size_t active_runs(const ReportData& d);

}  // namespace atrous::report
