#include "store/store.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "store/flatten.hpp"
#include "store/schema.hpp"
#include "store/transaction.hpp"

namespace atrous::store {
namespace {

using Lock = std::lock_guard<std::mutex>;

// A run as one of its experiments sees it: one row per (experiment, run) link
// (schema 3), whose variant, seed and grid point are that experiment's.
constexpr std::string_view run_columns =
    "r.run_id, e.name, l.variant, l.seed, r.status, r.config_json, r.created_at, r.start_time, r.end_time, "
    "r.host, r.pid, r.atrous_version, r.onednn_version, r.onednn_isa, r.threads, r.error, l.grid_json "
    "FROM experiment_runs l JOIN runs r ON r.run_id = l.run_id JOIN experiments e ON e.experiment_id = l.experiment_id";

RunRecord read_run(const Statement& q) {
  RunRecord r;
  r.id = q.column_text(0);
  r.experiment = q.column_text(1);
  r.variant = q.column_text(2);
  r.seed = q.column_int(3);
  r.status = parse_run_status(q.column_text(4));
  r.config_json = q.column_text(5);
  r.created_at = q.column_text(6);
  r.start_time = q.column_text(7);
  r.end_time = q.column_text(8);
  r.host = q.column_text(9);
  r.pid = q.column_int(10);
  r.atrous_version = q.column_text(11);
  r.onednn_version = q.column_text(12);
  r.onednn_isa = q.column_text(13);
  r.threads = static_cast<int>(q.column_int(14));
  r.error = q.column_text(15);
  r.grid_json = q.column_text(16);
  return r;
}

// Empty text / zero binds NULL so that COALESCE keeps the stored value.
Cell opt(const std::string& s) { return s.empty() ? Cell{} : Cell{s}; }
Cell opt(int64_t v) { return v == 0 ? Cell{} : Cell{v}; }

int64_t experiment_id(Database& db, std::string_view name) {
  auto q = db.prepare("SELECT experiment_id FROM experiments WHERE name = ?1");
  q.bind(1, name);
  if (!q.step()) throw Error(fmt::format("unknown experiment '{}' (create it with ensure_experiment first)", name));
  return q.column_int(0);
}

void require_run(Database& db, std::string_view run) {
  auto q = db.prepare("SELECT 1 FROM runs WHERE run_id = ?1");
  q.bind(1, run);
  if (!q.step()) throw Error(fmt::format("unknown run '{}'", run));
}

// The INSERT of a whole run, completed by an ON CONFLICT clause.
constexpr std::string_view insert_run_sql = R"sql(
INSERT INTO runs (run_id, experiment_id, variant, seed, status, config_json, created_at, start_time, end_time,
                  host, pid, atrous_version, onednn_version, onednn_isa, threads, error, grid_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, COALESCE(?7, ?17), ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, COALESCE(?18, '{}'))
)sql";

// A run's grid point as bound: NULL for "{}" (unknown), so that COALESCE keeps a stored one.
Cell grid_point(const RunRecord& run) { return opt(run.grid_json == "{}" ? std::string() : run.grid_json); }

Statement& bind_run(Statement& q, const RunRecord& run, int64_t experiment) {
  return q.bind_all(run.id, experiment, run.variant, run.seed, to_string(run.status), run.config_json,
                    opt(run.created_at), opt(run.start_time), opt(run.end_time), opt(run.host), opt(run.pid),
                    opt(run.atrous_version), opt(run.onednn_version), opt(run.onednn_isa), opt(int64_t{run.threads}),
                    opt(run.error), utc_timestamp(), grid_point(run));
}

// Links `run` to `experiment` as what it is there (variant, seed, grid point).
// `overwrite`: an existing link takes the given variant and seed (upsert_run);
// otherwise it keeps them (a re-planned run). Either way a link gains a grid
// point when it had none, and keeps its own when given none.
void link_run(Database& db, const RunRecord& run, int64_t experiment, bool overwrite) {
  db.prepare(fmt::format(R"sql(
INSERT INTO experiment_runs (experiment_id, run_id, variant, seed, grid_json, linked_at)
VALUES (?1, ?2, ?3, ?4, COALESCE(?5, '{{}}'), ?6)
ON CONFLICT(experiment_id, run_id) DO UPDATE SET {}
  grid_json = CASE WHEN ?5 IS NULL THEN grid_json WHEN ?7 OR grid_json = '{{}}' THEN ?5 ELSE grid_json END
)sql",
                         overwrite ? "variant = excluded.variant, seed = excluded.seed," : ""))
      .bind_all(experiment, run.id, run.variant, run.seed, grid_point(run), utc_timestamp(), int64_t{overwrite})
      .run();
}

}  // namespace

Store Store::open(const std::filesystem::path& path) {
  Store s(Database::open(path, Database::Mode::read_write));
  migrate(s.db_);
  return s;
}

Store Store::open_read_only(const std::filesystem::path& path) {
  int version = 0;
  {
    Database db = Database::open(path, Database::Mode::read_only);
    version = readable_schema_version(db);
    if (version == latest_schema_version()) return Store(std::move(db));
  }  // the reader is closed before upgrading
  try {
    return open(path);
  } catch (const Error& e) {
    // Not upgradable from here (a folder this user cannot write): read the old
    // tables through views of the new shape, when this build has them.
    Database db = Database::open(path, Database::Mode::read_only);
    if (emulate_latest_schema(db, readable_schema_version(db))) return Store(std::move(db));
    throw Error(fmt::format("database '{}' has schema version {}, older than this atrous ({}), and upgrading it "
                            "failed: {}",
                            path.string(), version, latest_schema_version(), e.what()));
  }
}

int64_t Store::ensure_experiment(std::string_view name, std::string_view description, std::string_view spec_json) {
  Lock lock(*mutex_);
  check(!name.empty(), "an experiment needs a name");
  Transaction tx(db_);
  db_.prepare(
         "INSERT INTO experiments (name, description, spec_json, created_at) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT(name) DO UPDATE SET description = excluded.description, spec_json = excluded.spec_json")
      .bind_all(name, description, spec_json, utc_timestamp())
      .run();
  const int64_t id = experiment_id(db_, name);
  tx.commit();
  return id;
}

void Store::write_params(std::string_view run, const std::string& config_json) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("run '{}': config_json is not valid JSON: {}", run, e.what()));
  }
  db_.prepare("DELETE FROM params WHERE run_id = ?1").bind(1, run).run();
  auto ins = db_.prepare("INSERT INTO params (run_id, key, value) VALUES (?1, ?2, ?3)");
  for (const auto& [key, value] : flatten_config(config)) {
    ins.reset();
    ins.bind_all(run, key, value).run();
  }
}

void Store::upsert_run(const RunRecord& run) {
  Lock lock(*mutex_);
  check(!run.id.empty(), "a run needs an id");
  Transaction tx(db_);
  auto q = db_.prepare(std::string(insert_run_sql) + R"sql(
ON CONFLICT(run_id) DO UPDATE SET
  variant = CASE WHEN experiment_id = excluded.experiment_id THEN excluded.variant ELSE variant END,
  seed = CASE WHEN experiment_id = excluded.experiment_id THEN excluded.seed ELSE seed END,
  status = excluded.status, config_json = excluded.config_json,
  start_time = COALESCE(?8, start_time), end_time = COALESCE(?9, end_time),
  host = COALESCE(?10, host), pid = COALESCE(?11, pid), atrous_version = COALESCE(?12, atrous_version),
  onednn_version = COALESCE(?13, onednn_version), onednn_isa = COALESCE(?14, onednn_isa),
  threads = COALESCE(?15, threads), error = COALESCE(?16, error),
  grid_json = CASE WHEN experiment_id = excluded.experiment_id THEN COALESCE(?18, grid_json) ELSE grid_json END
)sql");
  const int64_t experiment = experiment_id(db_, run.experiment);
  bind_run(q, run, experiment).run();
  write_params(run.id, run.config_json);
  link_run(db_, run, experiment, /*overwrite=*/true);
  tx.commit();
}

bool Store::insert_run_if_absent(const RunRecord& run) {
  Lock lock(*mutex_);
  check(!run.id.empty(), "a run needs an id");
  Transaction tx(db_);
  // One statement both looks and inserts: a run another connection created (or
  // claimed) between a look and an insert cannot be overwritten.
  const int64_t experiment = experiment_id(db_, run.experiment);
  auto q = db_.prepare(std::string(insert_run_sql) + "ON CONFLICT(run_id) DO NOTHING");
  bind_run(q, run, experiment).run();
  const bool inserted = db_.changes() == 1;
  if (inserted) {
    write_params(run.id, run.config_json);
  } else if (run.grid_json != "{}") {
    // Planned before its spec had a grid axis: the first experiment's copy in runs too.
    db_.prepare("UPDATE runs SET grid_json = ?2 WHERE run_id = ?1 AND experiment_id = ?3 AND grid_json = '{}'")
        .bind_all(run.id, run.grid_json, experiment)
        .run();
  }
  link_run(db_, run, experiment, /*overwrite=*/false);
  tx.commit();
  return inserted;
}

std::optional<ExperimentRecord> Store::find_experiment(std::string_view name) {
  Lock lock(*mutex_);
  auto q = db_.prepare("SELECT name, description, spec_json, created_at FROM experiments WHERE name = ?1");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return ExperimentRecord{q.column_text(0), q.column_text(1), q.column_text(2), q.column_text(3)};
}

std::optional<RunRecord> Store::find_run(std::string_view id) {
  Lock lock(*mutex_);
  // The first experiment's view: the run as it was first planned.
  auto q = db_.prepare(fmt::format("SELECT {} WHERE r.run_id = ?1 ORDER BY l.link_id LIMIT 1", run_columns));
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return read_run(q);
}

std::string Store::resolve_run_id(std::string_view id_or_prefix) {
  Lock lock(*mutex_);
  auto exact = db_.prepare("SELECT run_id FROM runs WHERE run_id = ?1");
  exact.bind(1, id_or_prefix);
  if (exact.step()) return exact.column_text(0);
  // substr() rather than LIKE: ids may contain '%' or '_'.
  auto q = db_.prepare("SELECT run_id FROM runs WHERE substr(run_id, 1, length(?1)) = ?1 ORDER BY run_id LIMIT 6");
  q.bind(1, id_or_prefix);
  std::vector<std::string> ids;
  while (q.step()) ids.push_back(q.column_text(0));
  if (ids.size() == 1) return ids[0];
  if (ids.empty()) throw Error(fmt::format("unknown run '{}'", id_or_prefix), Error::Kind::usage);
  throw Error(fmt::format("run '{}' is ambiguous: it starts {}{}", id_or_prefix, fmt::join(ids.begin(), ids.begin() + std::min<size_t>(5, ids.size()), ", "),
                          ids.size() > 5 ? ", ..." : ""),
              Error::Kind::usage);
}

std::vector<std::string> Store::experiments_of(std::string_view run) {
  Lock lock(*mutex_);
  auto q = db_.prepare(
      "SELECT e.name FROM experiment_runs l JOIN experiments e ON e.experiment_id = l.experiment_id "
      "WHERE l.run_id = ?1 ORDER BY l.link_id");
  q.bind(1, run);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.column_text(0));
  return out;
}

std::vector<RunRecord> Store::runs(std::string_view experiment, std::optional<RunStatus> status) {
  Lock lock(*mutex_);
  auto q = db_.prepare(fmt::format("SELECT {} WHERE (?1 IS NULL OR e.name = ?1) AND (?2 IS NULL OR r.status = ?2) "
                                   "ORDER BY l.link_id",
                                   run_columns));
  q.bind(1, experiment.empty() ? Cell{} : Cell{std::string(experiment)});
  q.bind(2, status ? Cell{std::string(to_string(*status))} : Cell{});
  std::vector<RunRecord> out;
  while (q.step()) out.push_back(read_run(q));
  return out;
}

void Store::set_status(std::string_view run, RunStatus status, std::string_view error) {
  Lock lock(*mutex_);
  Transaction tx(db_);
  require_run(db_, run);
  const std::string now = utc_timestamp();
  const Cell err = error.empty() ? Cell{} : Cell{std::string(error)};
  switch (status) {
    case RunStatus::queued:
      db_.prepare("UPDATE runs SET status = ?3, start_time = NULL, end_time = NULL, error = ?2 WHERE run_id = ?1")
          .bind_all(run, err, to_string(status))
          .run();
      break;
    case RunStatus::running:
      db_.prepare("UPDATE runs SET status = ?4, start_time = ?2, end_time = NULL, error = ?3 WHERE run_id = ?1")
          .bind_all(run, now, err, to_string(status))
          .run();
      break;
    default:
      db_.prepare("UPDATE runs SET status = ?2, end_time = ?3, error = COALESCE(?4, error) WHERE run_id = ?1")
          .bind_all(run, to_string(status), now, err)
          .run();
  }
  tx.commit();
}

bool Store::claim_run(std::string_view run, const RuntimeInfo& info) {
  Lock lock(*mutex_);
  Transaction tx(db_);
  db_.prepare(R"sql(
UPDATE runs SET status = ?9, start_time = ?2, end_time = NULL, error = NULL, host = ?3, pid = ?4,
  atrous_version = ?5, onednn_version = ?6, onednn_isa = ?7, threads = ?8
WHERE run_id = ?1 AND status IN (?10, ?11)
)sql")
      .bind_all(run, utc_timestamp(), info.host, info.pid, info.atrous_version, info.onednn_version, info.onednn_isa,
                info.threads, to_string(RunStatus::running), to_string(RunStatus::queued),
                to_string(RunStatus::interrupted))
      .run();
  const bool claimed = db_.changes() == 1;
  tx.commit();
  return claimed;
}

std::optional<std::string> Store::claim_next(std::string_view experiment, const RuntimeInfo& info) {
  std::string id;
  {
    Lock lock(*mutex_);
    auto q = db_.prepare(
        "SELECT r.run_id FROM experiment_runs l JOIN runs r ON r.run_id = l.run_id "
        "JOIN experiments e ON e.experiment_id = l.experiment_id "
        "WHERE e.name = ?1 AND r.status = ?2 ORDER BY l.link_id LIMIT 1");
    q.bind_all(experiment, to_string(RunStatus::queued));
    if (!q.step()) return std::nullopt;
    id = q.column_text(0);
  }
  // Another worker may take it between the SELECT and the UPDATE; claim_run's
  // conditional UPDATE decides, and the loser looks again.
  if (claim_run(id, info)) return id;
  return claim_next(experiment, info);
}

void Store::log_metrics(std::string_view run, int64_t step, int64_t epoch, const std::map<std::string, double>& values,
                        std::string_view time) {
  Lock lock(*mutex_);
  Transaction tx(db_);
  const std::string now = time.empty() ? utc_timestamp() : std::string(time);
  auto ins = db_.prepare(
      "INSERT INTO metrics (run_id, key, step, epoch, value, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT(run_id, key, step) DO UPDATE SET epoch = excluded.epoch, value = excluded.value, time = excluded.time");
  for (const auto& [key, value] : values) {
    ins.reset();
    ins.bind_all(run, key, step, epoch, value, now).run();
  }
  tx.commit();
}

void Store::set_summaries(std::string_view run, const std::map<std::string, double>& values) {
  Lock lock(*mutex_);
  Transaction tx(db_);
  auto ins = db_.prepare(
      "INSERT INTO summaries (run_id, key, value) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value");
  for (const auto& [key, value] : values) {
    ins.reset();
    ins.bind_all(run, key, value).run();
  }
  tx.commit();
}

void Store::add_artifact(std::string_view run, std::string_view kind, std::string_view path, std::string_view time) {
  Lock lock(*mutex_);
  db_.prepare(
         "INSERT INTO artifacts (run_id, kind, path, created_at) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT(run_id, kind, path) DO UPDATE SET created_at = excluded.created_at")
      .bind_all(run, kind, path, time.empty() ? utc_timestamp() : std::string(time))
      .run();
}

void Store::set_run_state(std::string_view run, RunStatus status, std::string_view error, std::string_view start_time,
                          std::string_view end_time, const RuntimeInfo& info) {
  Lock lock(*mutex_);
  Transaction tx(db_);
  require_run(db_, run);
  const auto opt = [](std::string_view v) { return v.empty() ? Cell{} : Cell{std::string(v)}; };
  const auto opt_int = [](int64_t v) { return v == 0 ? Cell{} : Cell{v}; };
  db_.prepare(R"sql(
UPDATE runs SET status = ?2, error = ?3, start_time = ?4, end_time = ?5, host = ?6, pid = ?7,
  atrous_version = ?8, onednn_version = ?9, onednn_isa = ?10, threads = ?11
WHERE run_id = ?1
)sql")
      .bind_all(run, to_string(status), opt(error), opt(start_time), opt(end_time), opt(info.host), opt_int(info.pid),
                opt(info.atrous_version), opt(info.onednn_version), opt(info.onednn_isa),
                opt_int(info.threads))
      .run();
  tx.commit();
}

std::vector<std::pair<std::string, Cell>> Store::params(std::string_view run) {
  Lock lock(*mutex_);
  auto q = db_.prepare("SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key");
  q.bind(1, run);
  std::vector<std::pair<std::string, Cell>> out;
  while (q.step()) out.emplace_back(q.column_text(0), q.column(1));
  return out;
}

std::vector<MetricPoint> Store::metrics(std::string_view run, std::string_view key) {
  Lock lock(*mutex_);
  auto q = db_.prepare(
      "SELECT key, step, epoch, value, time FROM metrics WHERE run_id = ?1 AND (?2 IS NULL OR key = ?2) "
      "ORDER BY key, step");
  q.bind(1, run);
  q.bind(2, key.empty() ? Cell{} : Cell{std::string(key)});
  std::vector<MetricPoint> out;
  while (q.step())
    out.push_back({q.column_text(0), q.column_int(1), q.column_int(2),
                   q.column_is_null(3) ? std::numeric_limits<double>::quiet_NaN() : q.column_double(3),
                   q.column_text(4)});
  return out;
}

std::map<std::string, double> Store::summaries(std::string_view run) {
  Lock lock(*mutex_);
  auto q = db_.prepare("SELECT key, value FROM summaries WHERE run_id = ?1");
  q.bind(1, run);
  std::map<std::string, double> out;
  while (q.step()) out[q.column_text(0)] = q.column_is_null(1) ? std::numeric_limits<double>::quiet_NaN() : q.column_double(1);
  return out;
}

std::vector<Artifact> Store::artifacts(std::string_view run) {
  Lock lock(*mutex_);
  auto q = db_.prepare("SELECT kind, path, created_at FROM artifacts WHERE run_id = ?1 ORDER BY kind, path");
  q.bind(1, run);
  std::vector<Artifact> out;
  while (q.step()) out.push_back({q.column_text(0), q.column_text(1), q.column_text(2)});
  return out;
}

bool Store::interrupt_if_running(std::string_view run, std::string_view host, int64_t pid, std::string_view error) {
  Lock lock(*mutex_);
  db_.prepare(
         "UPDATE runs SET status = ?4, end_time = ?5, error = ?3 WHERE run_id = ?1 AND pid = ?2 AND status = ?6 "
         "AND host = ?7")
      .bind_all(run, pid, error, to_string(RunStatus::interrupted), utc_timestamp(), to_string(RunStatus::running),
                host)
      .run();
  return db_.changes() == 1;
}

Table Store::list_runs(const RunListQuery& query) {
  Lock lock(*mutex_);
  return store::list_runs(db_, query);
}

}  // namespace atrous::store
