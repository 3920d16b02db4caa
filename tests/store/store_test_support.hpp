#pragma once
// Helpers of the store tests: a small database of runs with known params and
// summaries, and catching an Error's message.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.hpp"
#include "data/data_test_support.hpp"  // TempDir, contains
#include "store/schema.hpp"
#include "store/store.hpp"
#include "support/error_of.hpp"

namespace atrous::testing {

// Store tests name it store_error.
inline std::string store_error(const std::function<void()>& f) { return error_of(f); }

inline store::RunRecord make_run(const std::string& id, const std::string& variant, int seed, int width, double lr) {
  store::RunRecord r;
  r.id = id;
  r.experiment = "ablation";
  r.variant = variant;
  r.seed = seed;
  r.config_json = fmt::format(
      R"({{"model": {{"name": "{}", "params": {{"width": {}, "rates": [1, 2, 4]}}}}, "train": {{"optimizer": {{"name": "sgd", "lr": {}, "nesterov": true}}}}}})",
      variant, width, lr);
  return r;
}

// Four runs of "ablation" (two variants × two seeds) and one of "other":
//   id  variant  seed width lr    status  val.miou best.val.miou
//   a1  dilated  1    32    0.1   done    0.85     0.86
//   a2  dilated  2    64    0.01  done    0.75     0.80
//   b1  plain    1    32    0.1   failed  0.60     0.61
//   b2  plain    2    64    0.01  queued  -        -
//   o1  plain    1    16    0.1   done    (val.acc 0.9 only)
inline void fill_example(store::Store& s) {
  s.ensure_experiment("ablation", "dilated vs plain");
  s.ensure_experiment("other");
  s.upsert_run(make_run("a1", "dilated", 1, 32, 0.1));
  s.upsert_run(make_run("a2", "dilated", 2, 64, 0.01));
  s.upsert_run(make_run("b1", "plain", 1, 32, 0.1));
  s.upsert_run(make_run("b2", "plain", 2, 64, 0.01));
  auto o = make_run("o1", "plain", 1, 16, 0.1);
  o.experiment = "other";
  s.upsert_run(o);
  s.set_status("a1", store::RunStatus::done);
  s.set_status("a2", store::RunStatus::done);
  s.set_status("b1", store::RunStatus::failed, "diverged");
  s.set_status("o1", store::RunStatus::done);
  s.set_summaries("a1", {{"val.miou", 0.85}, {"best.val.miou", 0.86}});
  s.set_summaries("a2", {{"val.miou", 0.75}, {"best.val.miou", 0.80}});
  s.set_summaries("b1", {{"val.miou", 0.60}, {"best.val.miou", 0.61}});
  s.set_summaries("o1", {{"val.acc", 0.9}});
}

// A database file at schema `version` as an atrous of that version created it:
// the migrations up to it, and one schema_version row each. No rows.
inline void create_database_at_version(const std::string& path, int version) {
  auto db = store::Database::open(path);
  db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
  for (int v = 1; v <= version; ++v) {
    db.exec(store::migrations().at(static_cast<size_t>(v - 1)));
    db.prepare("INSERT INTO schema_version (version) VALUES (?1)").bind(1, v).run();
  }
}

// The runs of fill_example as a schema-2 atrous wrote them (one experiment per
// run, in runs.experiment_id; b1 with a grid point), into a database made by
// create_database_at_version(path, 2). Creation times are out of rowid order, as
// a resumed planner can leave them, so that order is checked too.
inline void fill_example_v2(const std::string& path) {
  auto db = store::Database::open(path);
  db.exec(R"sql(
INSERT INTO experiments (experiment_id, name, description, created_at) VALUES
  (1, 'ablation', 'dilated vs plain', '2026-11-01T00:00:00.000Z'), (2, 'other', '', '2026-11-01T00:00:00.000Z');
INSERT INTO runs (run_id, experiment_id, variant, seed, status, config_json, created_at, end_time, grid_json) VALUES
  ('a2', 1, 'dilated', 2, 'done', '{}', '2026-11-01T00:00:02.000Z', '2026-11-01T01:00:00.000Z', '{}'),
  ('a1', 1, 'dilated', 1, 'done', '{}', '2026-11-01T00:00:01.000Z', '2026-11-01T01:00:00.000Z', '{}'),
  ('b1', 1, 'plain', 1, 'failed', '{}', '2026-11-01T00:00:03.000Z', NULL, '{"dataset":"fashion"}'),
  ('b2', 1, 'plain', 2, 'queued', '{}', '2026-11-01T00:00:04.000Z', NULL, '{}'),
  ('o1', 2, 'plain', 1, 'done', '{}', '2026-11-01T00:00:05.000Z', NULL, '{}');
INSERT INTO summaries (run_id, key, value) VALUES
  ('a1', 'val.miou', 0.85), ('a2', 'val.miou', 0.75), ('b1', 'val.miou', 0.60), ('o1', 'val.acc', 0.9);
)sql");
}

}  // namespace atrous::testing
