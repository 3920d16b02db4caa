#pragma once
// The state of a training run, from planned to finished. One enum for the
// trainer (which ends a run done, failed or interrupted), the sweep worker
// (which records that ending) and the results database (whose `runs.status`
// column holds these names). It lives in core because train/ and store/ both
// need it and share no other room.
#include <string_view>

namespace atrous {

enum class RunStatus { queued, running, done, failed, interrupted };

// The name stored in the database and printed ("interrupted").
std::string_view to_string(RunStatus s);
RunStatus parse_run_status(std::string_view text);  // Error naming the valid statuses

}  // namespace atrous
