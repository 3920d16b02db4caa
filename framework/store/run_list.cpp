#include "store/run_list.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/run_filter.hpp"

namespace atrous::store {
namespace {

void require_experiment(Database& db, const std::string& name) {
  auto q = db.prepare("SELECT 1 FROM experiments WHERE name = ?1");
  q.bind(1, name);
  if (q.step()) return;
  auto all = db.prepare("SELECT name FROM experiments ORDER BY name");
  std::vector<std::string> names;
  while (all.step()) names.push_back(all.column_text(0));
  throw Error(fmt::format("unknown experiment '{}' (the database has: {})", name,
                          names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))),
              Error::Kind::usage);
}

}  // namespace

Table list_runs(Database& db, const RunListQuery& query) {
  if (!query.experiment.empty()) require_experiment(db, query.experiment);
  const RunKeys keys = RunKeys::load(db);

  std::vector<std::string> columns = query.columns;
  if (columns.empty()) {
    columns = {"id", "experiment", "variant", "seed", "status"};
    columns.insert(columns.end(), keys.summary_keys().begin(), keys.summary_keys().end());
  }
  SqlFragment sql{"SELECT ", {}};
  for (size_t i = 0; i < columns.size(); ++i) {
    auto c = keys.resolve(columns[i]);
    if (!c) throw Error("--columns: " + keys.unknown_key_message(columns[i]), Error::Kind::usage);
    if (i) sql.sql += ", ";
    sql.append(*c);
  }
  // One row per (experiment, run) link: a run two experiments share is listed
  // under each, as each sees it.
  sql.sql +=
      " FROM experiment_runs l JOIN runs r ON r.run_id = l.run_id"
      " JOIN experiments e ON e.experiment_id = l.experiment_id WHERE ";
  if (!query.experiment.empty()) {
    sql.sql += "e.name = ? AND ";
    sql.binds.push_back(query.experiment);
  }
  sql.sql += "(";
  sql.append(compile_where(query.where, keys));
  sql.sql += ") ORDER BY ";
  const SqlFragment sort = compile_sort(query.sort, keys);
  if (!sort.sql.empty()) {
    sql.append(sort);
    sql.sql += ", ";
  }
  sql.sql += "l.link_id";  // the order the experiments recorded their runs

  auto q = db.prepare(sql.sql);
  for (size_t i = 0; i < sql.binds.size(); ++i) q.bind(static_cast<int>(i + 1), sql.binds[i]);
  Table t;
  t.columns = columns;
  while (q.step()) {
    std::vector<Cell> row;
    for (int i = 0; i < q.column_count(); ++i) row.push_back(q.column(i));
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace atrous::store
