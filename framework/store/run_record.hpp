#pragma once
// A run as stored in the `runs` table.
#include <cstdint>
#include <string>
#include <string_view>

namespace atrous::store {

enum class RunStatus { queued, running, done, failed, interrupted };

std::string_view to_string(RunStatus s);
RunStatus parse_run_status(std::string_view text);  // Error naming the valid statuses

struct RunRecord {
  std::string id;          // chosen by the caller (a hash of the resolved config)
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
