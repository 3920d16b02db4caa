#pragma once
// The report's charts for one grid point, from the database's numbers only:
//   metric-vs-epoch.svg   validation metric per epoch: mean over seeds, band min..max
//   train-loss.svg        training loss per epoch: mean over seeds, band min..max
//   metric-vs-rf.svg      final metric (mean ± std) against the theoretical receptive field
//   metric-vs-gflops.svg  final metric (mean ± std) against forward GFLOPs per image (log axis)
// A chart without any data point is left out.
#include <string>
#include <vector>

#include "report/report_data.hpp"

namespace atrous::report {

struct ChartFile {
  std::string name;     // file name, e.g. "metric-vs-epoch.svg"
  std::string caption;  // alt text / caption
  std::string svg;
};

// `at` is one grid point's data (ReportData::at_grid_point).
std::vector<ChartFile> report_charts(const ReportData& at);

}  // namespace atrous::report
