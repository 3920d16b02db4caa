#pragma once
// A staged variant's lineage, from its stored config: which run's weights it
// started from (train.init.from, "run:<id>" as the sweep plan wrote it, or a
// checkpoint path), into which layers (train.init.layers), and which layers it
// kept frozen (train.freeze). The report's "what was compared" words it.
#include <optional>
#include <string>
#include <vector>

#include "report/report_data.hpp"

namespace atrous::report {

struct Lineage {
  std::string parent_variant;  // the variant of the parent run in this report; "" when not one of its runs
  std::string parent_run;      // the parent's run id ("" when initialised from a file)
  std::string parent_path;     // train.init.from when it is a path
  std::vector<std::string> layers, frozen;
};

// The lineage of a group (its first run's config); nullopt when the config has
// neither train.init.from nor train.freeze.
std::optional<Lineage> lineage_of(const Group& g, const ReportData& d);

}  // namespace atrous::report
