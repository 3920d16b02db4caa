#pragma once
// A run as stored in the `runs` table.
#include <cstdint>
#include <string>

#include "core/run_status.hpp"

namespace atrous::store {

// The store's readers and writers name the status as the store's
// (store::RunStatus); it is the one enum of core/run_status.hpp.
using atrous::parse_run_status;
using atrous::RunStatus;
using atrous::to_string;

struct RunRecord {
  std::string id;          // chosen by the caller (a hash of the resolved config)
  // What the run is in one experiment (a run may belong to several: the
  // experiment_runs link of schema 3): its name, the variant, seed and grid point.
  std::string experiment;  // experiment name; must exist (ensure_experiment)
  std::string variant;
  int64_t seed = 0;
  RunStatus status = RunStatus::queued;
  std::string config_json = "{}";  // the resolved config; params are flattened from it
  std::string grid_json = "{}";    // the sweep's grid point ({"dataset": "fashion"}); kept by upserts of "{}"
  // Filled by the store (claim/set_status); upsert_run leaves existing values alone
  // when these are empty / zero.
  std::string created_at, start_time, end_time;
  std::string host;
  int64_t pid = 0;
  std::string atrous_version, onednn_version, onednn_isa;
  int threads = 0;
  std::string error;
};

}  // namespace atrous::store
