#pragma once
// The claims of a report (spec `report.claims`, sweep/claim.hpp) tested step by
// step: "os8 > os16 > os32" is the steps os8 > os16 and os16 > os32, each "the
// first is better than the second on the report metric". A step is tested with
// the paired t-test over seeds when both variants finished the same seeds (a seed
// fixes the data order and, for a staged variant, the parent run it starts from,
// so pairing removes the seed-to-seed spread both sides share), else with Welch's
// test; Holm's correction runs over every tested step of the report's claims at
// one grid point. Call it on one grid point's data (ReportData::at_grid_point).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "report/report_data.hpp"
#include "report/stats.hpp"

namespace atrous::report {

enum class ClaimVerdict {
  holds,                        // p (Holm) < 0.05 in the claimed direction
  reversed,                     // p (Holm) < 0.05 against it
  agrees_not_significant,       // the means are in the claimed order; not significant
  contradicts_not_significant,  // the means are not; not significant
  untestable,                   // a side lacks two finished runs, or no variance (see `untestable`)
};

struct ClaimStep {
  std::size_t claim = 0;             // index in ReportData::claims
  std::string better, worse;         // the variants, as claimed
  std::size_t n_better = 0, n_worse = 0;
  std::optional<double> difference;  // mean(better) − mean(worse); absent when a side has no value
  bool paired = false;               // paired t-test over the shared seeds (else Welch)
  std::optional<WelchResult> test;   // absent when untestable
  double p_holm = 1;
  std::size_t k = 0;                 // tested steps in the Holm family (0 when this one is not tested)
  ClaimVerdict verdict = ClaimVerdict::untestable;
  std::string untestable;            // why, when untestable: "no finished run of os8", ...
};

std::vector<ClaimStep> check_claims(const ReportData& d);

// "holds", "reversed", "means agree, not significant", ...
std::string to_string(ClaimVerdict v);

}  // namespace atrous::report
