#pragma once
// `atrous worker --manifest M --index I`: one run of a manifest (sweep/manifest.hpp)
// in M's folder, runs/<id>/, without any database: results go to the run journal
// (sweep/journal.hpp), and a run that ends done or failed gets its DONE marker.
//   - a run with a DONE marker is not run again (its status is the exit code),
//   - a staged run starts from its parent's best checkpoint in runs/<parent>/ once
//     the parent's DONE says done; a failed parent fails it ("skipped: ..."); a
//     parent without DONE is waited for up to `wait_parent_seconds`, then the run
//     is left untouched (exit 5) for a later task to start,
//   - SIGINT, SIGTERM, SIGHUP and SIGUSR1 (Slurm's warning before a time limit)
//     stop it gracefully: checkpoint, "interrupted" in the journal, exit 4, no DONE,
//     so that the same index run again resumes from the checkpoint. After SIGKILL
//     the same holds from the last per-epoch checkpoint: the journal only grows.
// Exit codes are the db worker's (sweep/worker.hpp).
#include <optional>
#include <string>

namespace atrous {

struct ManifestWorkerOptions {
  std::string manifest;  // the manifest file or its folder
  // The task index; nullopt: $SLURM_ARRAY_TASK_ID. With pack P the task runs the
  // indices index*P .. index*P+P-1 (those that exist), one after the other.
  std::optional<int> index;
  int pack = 1;
  int threads = 0;  // 0 keeps the current setting
  double heartbeat_seconds = 30;
  double wait_parent_seconds = 0;
};

int run_manifest_worker(const ManifestWorkerOptions& options);

// The array task index of $SLURM_ARRAY_TASK_ID; a usage error when unset or not a
// non-negative integer.
int slurm_array_task_id();

}  // namespace atrous
