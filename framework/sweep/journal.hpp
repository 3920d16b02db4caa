#pragma once
// The run journal: DIR/runs/<id>/journal.jsonl, an append-only file of events, one
// JSON object per line, written by `atrous worker --manifest` instead of the
// results database (SQLite over a network file system corrupts) and folded into
// the database by `atrous ingest`. docs/cluster.md has the format.
//
// Every line is written with one write() of the whole line and fsync'ed, so a
// killed writer leaves at most one half-written last line; a writer that opens a
// journal ending in such a line first ends it with "\n", so that a re-run's lines
// stay whole. Readers skip lines that are not JSON objects with an "event"
// (reporting them), never fail on them.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run_status.hpp"
#include "store/runtime_info.hpp"

namespace atrous {

inline constexpr const char* kJournalFile = "journal.jsonl";

class JournalWriter {
 public:
  explicit JournalWriter(std::string path);
  // Adds "time" (store::utc_timestamp) when absent and appends the event as one
  // line. Thread-safe (the heartbeat thread writes too).
  void append(nlohmann::json event);
  const std::string& path() const { return path_; }

 private:
  std::mutex mutex_;
  std::string path_;
};

struct JournalRead {
  std::vector<nlohmann::json> events;
  std::vector<std::string> skipped;  // "<file>:<line>: <why>" for each line that is not an event
};
// A missing file is an empty journal.
JournalRead read_journal(const std::string& path);

struct JournalEpoch {
  int64_t step = 0, epoch = 0;
  std::string time;
  std::map<std::string, double> metrics;  // a null value (non-finite when written) is NaN
};
struct JournalArtifact {
  std::string kind, path, time;
};

// What a journal says about its run, event by event. A session is what one
// worker process wrote: it begins with "start".
struct JournalFold {
  bool started = false;
  std::string start_time;  // of the last session
  std::string last_time;   // of the last event of any kind (heartbeats included)
  store::RuntimeInfo info;  // of the last session
  std::vector<JournalEpoch> epochs;         // in order; a resumed run repeats steps (the later one wins)
  std::vector<JournalArtifact> artifacts;   // each (kind, path) once, at its first time
  std::map<std::string, double> summaries;  // the latest value of each key
  // The last session's final status ("status" event after its "start"), if it wrote one.
  std::optional<RunStatus> status;
  std::string reason, status_time;
};
// Events of an unknown kind are ignored (a newer writer); ones missing a field the
// fold needs are skipped and named in `skipped`.
JournalFold fold_journal(const std::vector<nlohmann::json>& events, std::vector<std::string>* skipped = nullptr);

}  // namespace atrous
