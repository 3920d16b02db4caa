#include "sweep/ingest.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "store/store.hpp"
#include "sweep/journal.hpp"
#include "sweep/manifest.hpp"
#include "sweep/status_table.hpp"  // parse_utc_timestamp

namespace atrous {

namespace fs = std::filesystem;

namespace {

double clock_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

struct Decision {
  RunStatus status;
  std::string reason, end_time;
};

// What the run's status is, from its DONE marker and its journal.
Decision decide(const std::optional<RunStatus>& done_marker, const JournalFold& f, const IngestOptions& o,
                std::vector<std::string>& notes, const std::string& run_id) {
  if (done_marker) {
    const bool same = f.status && *f.status == *done_marker;
    return {*done_marker, same ? f.reason : "", same ? f.status_time : f.last_time};
  }
  if (f.status) return {*f.status, f.reason, f.status_time};
  const double last = parse_utc_timestamp(f.last_time);  // NaN when missing: stale
  const double now = o.now > 0 ? o.now : clock_now();
  if (now - last <= o.stale_after_seconds) return {RunStatus::running, "", ""};
  const std::string reason = fmt::format(
      "no heartbeat since {} (the worker was killed or its node lost); the same index run again resumes it",
      f.last_time.empty() ? "an unknown time" : f.last_time);
  notes.push_back(fmt::format("run {}: interrupted: {}", run_id, reason));
  return {RunStatus::interrupted, reason, f.last_time};
}

}  // namespace

IngestOutcome ingest_manifest(store::Store& s, const std::string& manifest_dir_or_file, const IngestOptions& o) {
  const std::string file = manifest_file(manifest_dir_or_file);
  const Manifest m = read_manifest(file);
  const std::string dir = manifest_dir(file);
  IngestOutcome out;
  out.experiment = m.experiment;
  out.runs = static_cast<int>(m.runs.size());
  s.ensure_experiment(m.experiment, m.description, m.spec_json.dump());
  for (const auto& r : m.runs) {
    store::RunRecord rec;
    rec.id = r.run_id;
    rec.experiment = m.experiment;
    rec.variant = r.variant;
    rec.seed = r.seed;
    rec.config_json = r.config.dump();  // RunConfig::canonical()
    rec.grid_json = r.grid.dump();
    s.insert_run_if_absent(rec);

    const std::string run_dir = manifest_run_dir(dir, r.run_id);
    JournalRead journal = read_journal((fs::path(run_dir) / kJournalFile).string());
    out.skipped.insert(out.skipped.end(), journal.skipped.begin(), journal.skipped.end());
    const auto marker = read_done_marker(run_dir);
    if (journal.events.empty() && !marker) {
      ++out.not_started;
      continue;
    }
    ++out.journals;
    std::vector<std::string> bad_events;
    const JournalFold f = fold_journal(journal.events, &bad_events);
    for (const auto& b : bad_events) out.skipped.push_back(fmt::format("{}/{}: {}", run_dir, kJournalFile, b));

    for (const auto& ep : f.epochs) {
      s.log_metrics(r.run_id, ep.step, ep.epoch, ep.metrics, ep.time);
      out.metric_rows += static_cast<int>(ep.metrics.size());
    }
    if (!f.summaries.empty()) s.set_summaries(r.run_id, f.summaries);
    for (const auto& a : f.artifacts) s.add_artifact(r.run_id, a.kind, a.path, a.time);

    const Decision d = decide(marker, f, o, out.notes, r.run_id);
    const auto existing = s.find_run(r.run_id);
    if (existing && existing->status == RunStatus::done && d.status != RunStatus::done) {
      out.notes.push_back(fmt::format("run {}: the database has it done; its journal says {}: kept done", r.run_id,
                                      to_string(d.status)));
      ++out.done;
      continue;
    }
    s.set_run_state(r.run_id, d.status, d.reason, f.start_time, d.end_time, f.info);
    switch (d.status) {
      case RunStatus::done: ++out.done; break;
      case RunStatus::failed: ++out.failed; break;
      case RunStatus::interrupted: ++out.interrupted; break;
      case RunStatus::running: ++out.running; break;
      default: ++out.not_started;
    }
  }
  return out;
}

}  // namespace atrous
