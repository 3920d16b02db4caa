#pragma once
// `atrous report`: a markdown report of one experiment, written from the
// results database only (report_data.hpp). Sections: title and what was
// compared (each variant's config diff from the baseline), a "still running"
// notice when runs are queued or running, setup (dataset, recipe, seeds,
// hardware, total compute), the main table (mean ± std and 95% CI over seeds,
// best per column in bold), per-class IoU, significance against the baseline
// (Welch's t-test), failed / interrupted / missing runs with their reasons, and
// findings stated from the numbers alone.
//
// Every number is the database's value (or its mean / std / CI over the done
// runs) printed with fixed precision: metrics 4 decimals, img/s 1, wall seconds 2.
#include <string>

#include "report/report_data.hpp"

namespace atrous::report {

std::string markdown_report(const ReportData& data);

// Whether larger is better for a summary key (losses and times are smaller-is-better).
bool higher_is_better(const std::string& key);

}  // namespace atrous::report
