#include "store/schema.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/transaction.hpp"

namespace atrous::store {
namespace {

// Version 1. Shaped like MLflow's tracking store (experiments, runs, params,
// metrics) so that plain SQL and pandas work. Times are ISO-8601 UTC text
// ("2026-11-21T09:21:38.123Z"): readable in the sqlite3 shell and sortable.
constexpr std::string_view migration_1 = R"sql(
CREATE TABLE experiments (
  experiment_id INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  description   TEXT NOT NULL DEFAULT '',
  spec_json     TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL
);
CREATE TABLE runs (
  run_id         TEXT PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments(experiment_id),
  variant        TEXT NOT NULL DEFAULT '',
  seed           INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
  config_json    TEXT NOT NULL DEFAULT '{}',
  created_at     TEXT NOT NULL,
  start_time     TEXT,
  end_time       TEXT,
  host           TEXT,
  pid            INTEGER,
  atrous_version TEXT,
  onednn_version TEXT,
  onednn_isa     TEXT,
  threads        INTEGER,
  error          TEXT
);
CREATE INDEX runs_by_experiment ON runs(experiment_id, status);
CREATE TABLE params (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX params_by_key ON params(key);
CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  step   INTEGER NOT NULL,
  epoch  INTEGER NOT NULL,
  value  REAL,
  time   TEXT NOT NULL,
  PRIMARY KEY (run_id, key, step)
);
CREATE TABLE summaries (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  REAL,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX summaries_by_key ON summaries(key);
CREATE TABLE artifacts (
  run_id     TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,
  path       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, kind, path)
);
)sql";

// Version 2: the grid point a sweep planned a run at ({"dataset": "fashion",
// "train.optimizer.lr": 0.01}), so reports can group runs of named grid axes
// whose values are not single config keys.
constexpr std::string_view migration_2 = R"sql(
ALTER TABLE runs ADD COLUMN grid_json TEXT NOT NULL DEFAULT '{}';
)sql";

// Version 3: a run may belong to several experiments. Two studies that plan the
// same resolved config (same run id) share the run: the second links it instead
// of training it again. Each link says what the run is in that experiment (its
// variant name, seed and grid point); runs.experiment_id, variant, seed and
// grid_json stay as the first experiment recorded them, for plain SQL written
// against schema 2. link_id orders an experiment's runs as they were planned.
// Existing runs are linked to their one experiment, in their creation order.
constexpr std::string_view migration_3 = R"sql(
CREATE TABLE experiment_runs (
  link_id       INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
  run_id        TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  variant       TEXT NOT NULL DEFAULT '',
  seed          INTEGER NOT NULL DEFAULT 0,
  grid_json     TEXT NOT NULL DEFAULT '{}',
  linked_at     TEXT NOT NULL,
  UNIQUE (experiment_id, run_id)
);
CREATE INDEX experiment_runs_by_run ON experiment_runs(run_id);
INSERT INTO experiment_runs (experiment_id, run_id, variant, seed, grid_json, linked_at)
  SELECT experiment_id, run_id, variant, seed, grid_json, created_at FROM runs ORDER BY created_at, rowid;
)sql";

}  // namespace

const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> all = {migration_1, migration_2, migration_3};
  return all;
}

int latest_schema_version() { return static_cast<int>(migrations().size()); }

int schema_version(Database& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  auto q = db.prepare("SELECT MAX(version) FROM schema_version");
  return q.step() && !q.column_is_null(0) ? static_cast<int>(q.column_int(0)) : 0;
}

namespace {

Error newer_schema(Database& db, int version) {
  return Error(fmt::format("database '{}' has schema version {}, newer than this atrous ({}); use a newer atrous",
                           db.path().string(), version, latest_schema_version()));
}

}  // namespace

int readable_schema_version(Database& db) {
  auto table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  int version = 0;
  if (table.step()) {
    auto q = db.prepare("SELECT MAX(version) FROM schema_version");
    if (q.step() && !q.column_is_null(0)) version = static_cast<int>(q.column_int(0));
  }
  if (version <= 0)
    throw Error(fmt::format("'{}' is not an atrous database (it has no schema version; `atrous sweep` creates one)",
                            db.path().string()),
                Error::Kind::usage);
  if (version > latest_schema_version()) throw newer_schema(db, version);
  return version;
}

bool emulate_latest_schema(Database& db, int version) {
  if (version < 1 || version > 2) return version == latest_schema_version();
  // Schema 3's links as schema 1-2 implied them: each run in its one experiment,
  // numbered in the order migration 3 would link them. Schema 1 has no grid point.
  db.exec(fmt::format(
      "CREATE TEMP VIEW experiment_runs AS SELECT ROW_NUMBER() OVER (ORDER BY created_at, rowid) AS link_id, "
      "experiment_id, run_id, variant, seed, {} AS grid_json, created_at AS linked_at FROM main.runs",
      version >= 2 ? "grid_json" : "'{}'"));
  return true;
}

void migrate(Database& db) {
  const int latest = latest_schema_version();
  int version = schema_version(db);
  if (version > latest) throw newer_schema(db, version);
  while (version < latest) {
    Transaction tx(db);
    version = schema_version(db);  // another process may have migrated meanwhile
    if (version >= latest) break;
    db.exec(migrations()[static_cast<size_t>(version)]);
    db.prepare("INSERT INTO schema_version (version) VALUES (?1)").bind(1, version + 1).run();
    tx.commit();
    ++version;
  }
}

}  // namespace atrous::store
