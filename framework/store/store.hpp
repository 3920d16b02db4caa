#pragma once
// The results database: what the sweep scheduler and trainer write and what
// `atrous runs/query/compare` and reports read. docs/database.md has the schema.
//
// Concurrency: a Store is one SQLite connection guarded by a mutex, so one Store
// may be shared by threads; the connection is never handed out, every use of it
// is a method that holds the mutex. Separate Stores (threads or processes) on the
// same file are the common case and coordinate through SQLite's WAL locking with
// a 10 s busy timeout. Every write method is one transaction: a process killed
// mid-call leaves either all of the call's rows or none.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/table_format.hpp"
#include "store/database.hpp"
#include "store/run_list.hpp"
#include "store/run_record.hpp"
#include "store/runtime_info.hpp"

namespace atrous::store {

// The default database path of the CLI, relative to the current directory.
inline constexpr const char* default_db_path = "results/atrous.db";

struct MetricPoint {
  std::string key;
  int64_t step = 0;
  int64_t epoch = 0;
  double value = 0;  // NaN when a non-finite value was logged (SQLite stores NULL)
  std::string time;
};

struct ExperimentRecord {
  std::string name;
  std::string description;
  std::string spec_json;  // the experiment spec as JSON, "{}" when none was given
  std::string created_at;
};

struct Artifact {
  std::string kind;  // "checkpoint", "predictions", "log", ...
  std::string path;
  std::string created_at;
};

class Store {
 public:
  // Creates the folder and the file if needed, WAL, busy timeout, foreign keys,
  // then applies migrations.
  static Store open(const std::filesystem::path& path);
  // For the commands that only read (runs, status, report, compare): never
  // creates the file or writes schema into it (Database::Mode::read_only), and
  // refuses files that are not atrous databases. A database of an older schema
  // version is upgraded first (a writer's connection), as Store::open would; when
  // that fails (a folder this user cannot write), the old tables are read through
  // TEMP views of the latest shape (emulate_latest_schema), writing nothing.
  static Store open_read_only(const std::filesystem::path& path);

  // Returns the experiment's id, creating it if needed; an existing experiment's
  // description and spec are updated to the given ones.
  int64_t ensure_experiment(std::string_view name, std::string_view description = "",
                            std::string_view spec_json = "{}");

  // Inserts or overwrites a run (status, config) and rewrites its params from
  // config_json; links it to run.experiment as (variant, seed, grid point),
  // overwriting that link. The run's links to other experiments stay. Runtime
  // fields (times, host, pid, versions, threads, error) are written only when set
  // in `run`, the grid point only when not "{}".
  void upsert_run(const RunRecord& run);
  // Records a planned run: inserts it unless its id exists, and links it to
  // run.experiment unless linked; returns whether the run was inserted. Planning
  // a sweep twice therefore keeps finished runs, a planner racing another planner
  // or a worker never resets a run that meanwhile exists (one INSERT ... ON
  // CONFLICT DO NOTHING decides), and a run another experiment planned (same id)
  // is shared, whatever its status: the existing link keeps its variant and seed,
  // and gains run.grid_json when it had none (a run planned before its spec gained
  // a grid axis).
  bool insert_run_if_absent(const RunRecord& run);

  std::optional<ExperimentRecord> find_experiment(std::string_view name);

  // The run as the first experiment that recorded it sees it (variant, seed, grid point).
  std::optional<RunRecord> find_run(std::string_view id);
  // The experiments a run belongs to, in the order they recorded it.
  std::vector<std::string> experiments_of(std::string_view run);
  // An exact id or a unique prefix of one; Error when unknown or ambiguous.
  std::string resolve_run_id(std::string_view id_or_prefix);
  // Runs of an experiment as it sees them, optionally of one status, in the order
  // it recorded them. Empty `experiment`: every (experiment, run) pair, so a run of
  // two experiments comes twice, once as each sees it.
  std::vector<RunRecord> runs(std::string_view experiment = {}, std::optional<RunStatus> status = {});

  // running sets start_time (and clears end_time/error); done, failed and
  // interrupted set end_time; queued clears times and error. `error` is stored
  // when non-empty.
  void set_status(std::string_view run, RunStatus status, std::string_view error = {});

  // Atomically moves a queued or interrupted run to running and records `info`;
  // false when the run is in another state (another worker claimed it).
  bool claim_run(std::string_view run, const RuntimeInfo& info);
  // Claims the oldest queued run of the experiment, if any.
  std::optional<std::string> claim_next(std::string_view experiment, const RuntimeInfo& info);

  // One transaction per call (= per logged epoch). Idempotent per (run, key,
  // step): re-logging a step (a resumed run) replaces the value, never duplicates.
  // `time` (ISO-8601 UTC) is when the epoch was measured; empty: now. (`atrous ingest`
  // passes the journal's, so that folding a journal twice writes the same rows.)
  void log_metrics(std::string_view run, int64_t step, int64_t epoch, const std::map<std::string, double>& values,
                   std::string_view time = {});
  // Final and best values, e.g. "val.miou", "best.val.miou"; replaces same keys.
  void set_summaries(std::string_view run, const std::map<std::string, double>& values);
  void add_artifact(std::string_view run, std::string_view kind, std::string_view path, std::string_view time = {});
  // Sets a run's status, error, times and runtime fields exactly as given (empty
  // or zero: NULL), for a state that was decided elsewhere — `atrous ingest`
  // folding a run journal — rather than by this process's clock.
  void set_run_state(std::string_view run, RunStatus status, std::string_view error, std::string_view start_time,
                     std::string_view end_time, const RuntimeInfo& info);

  std::vector<std::pair<std::string, Cell>> params(std::string_view run);
  std::vector<MetricPoint> metrics(std::string_view run, std::string_view key = {});  // by key, then step
  std::map<std::string, double> summaries(std::string_view run);
  std::vector<Artifact> artifacts(std::string_view run);

  // Marks a run interrupted with `error` if it is still running under `pid`
  // (it may have finished, or been claimed again, since it was seen); returns
  // whether it was. Whether that process is alive is the caller's judgement
  // (sweep/stale_runs.hpp).
  bool interrupt_if_running(std::string_view run, std::string_view host, int64_t pid, std::string_view error);

  // The table behind `atrous runs` (run_list.hpp).
  Table list_runs(const RunListQuery& query);

 private:
  explicit Store(Database db) : mutex_(std::make_unique<std::mutex>()), db_(std::move(db)) {}
  void write_params(std::string_view run, const std::string& config_json);
  std::unique_ptr<std::mutex> mutex_;
  Database db_;
};

}  // namespace atrous::store
