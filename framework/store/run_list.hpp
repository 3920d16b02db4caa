#pragma once
// The table behind `atrous runs`: runs filtered, sorted and projected with the
// run key language (run_filter.hpp).
#include <string>
#include <vector>

#include "core/table_format.hpp"
#include "store/database.hpp"

namespace atrous::store {

struct RunListQuery {
  std::string experiment;            // empty: all experiments
  std::string where;                 // e.g. "variant=dilated and val.miou>0.8"
  std::string sort;                  // e.g. "-val.miou,seed"; default: creation order
  std::vector<std::string> columns;  // default: id, experiment, variant, seed, status, then every summary key
};

Table list_runs(Database& db, const RunListQuery& query);

}  // namespace atrous::store
