#pragma once
// Where and with what a run executes: recorded when a run is claimed so that
// results can be traced to a machine, a build and an ISA, and so that runs left
// running by a dead process can be found (sweep/stale_runs.hpp).
#include <cstdint>
#include <string>

namespace atrous::store {

struct RuntimeInfo {
  std::string host;
  int64_t pid = 0;
  std::string atrous_version;
  std::string onednn_version;
  std::string onednn_isa;
  int threads = 0;
};

// This process, now (threads = the current OpenMP setting).
RuntimeInfo current_runtime_info();
std::string host_name();

// Now as ISO-8601 UTC with milliseconds, e.g. "2026-11-21T09:21:38.123Z".
std::string utc_timestamp();

}  // namespace atrous::store
