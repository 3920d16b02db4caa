#pragma once
// `atrous ingest DIR...`: the journals of a manifest's runs (sweep/journal.hpp)
// folded into the results database on local disk. For each manifest folder:
//   - the experiment as `atrous sweep` records it (name, description, spec), and
//     every run of the manifest (queued when new; linked to the experiment with
//     its variant, seed and grid point),
//   - per run with a journal: params (from the config), metrics per (key, step),
//     summaries, artifacts and the status with its reason, times and runtime
//     fields taken from the journal, so that ingesting twice writes the same rows,
//   - the status: a DONE marker's (done/failed); else the last session's final
//     status (interrupted); else, for a session without one, running while its
//     last event (heartbeats included) is younger than `stale_after_seconds`, and
//     interrupted after that ("no heartbeat since ..."). A run the database has as
//     done keeps that status. A run without journal is left as it is.
// Lines that are not events (a half-written last line) are skipped and reported.
#include <string>
#include <vector>

#include "core/run_status.hpp"

namespace atrous {

namespace store {
class Store;
}

struct IngestOptions {
  double stale_after_seconds = 600;
  double now = 0;  // seconds since the epoch; 0: the clock (tests pass their own)
};

struct IngestOutcome {
  std::string experiment;
  int runs = 0, journals = 0;  // runs of the manifest; those with a journal
  int done = 0, failed = 0, interrupted = 0, running = 0, not_started = 0;
  int metric_rows = 0;
  std::vector<std::string> skipped;  // lines and events that were not folded, with file:line
  std::vector<std::string> notes;    // decisions worth telling (stalled runs, kept statuses)
};

IngestOutcome ingest_manifest(store::Store& s, const std::string& manifest_dir_or_file, const IngestOptions& options);

}  // namespace atrous
