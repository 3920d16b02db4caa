#include "store/read_only_query.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <set>
#include <string>

#include "core/error.hpp"
#include "store/database.hpp"

namespace atrous::store {
namespace {

// PRAGMAs that only report. Any PRAGMA with an argument that is not in the
// first set could be a write (`PRAGMA user_version = 3`), so it is refused.
const std::set<std::string, std::less<>> reporting_pragmas = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check", "database_list",
    "collation_list", "function_list", "module_list", "pragma_list", "compile_options"};
const std::set<std::string, std::less<>> readable_pragmas = {
    "user_version", "schema_version", "application_id", "page_count", "page_size", "freelist_count",
    "journal_mode", "encoding", "foreign_keys", "data_version", "query_only", "busy_timeout"};

// SQL functions that are not for reading: fts3_tokenizer() hands out and takes
// C function pointers (a known way from SQL to code execution), load_extension()
// loads native code; the rest exist only in the sqlite3 shell or its
// extensions, and are listed in case a build links them in.
const std::set<std::string, std::less<>> refused_functions = {
    "fts3_tokenizer", "load_extension", "readfile", "writefile", "edit", "lsdir", "fsdir", "sqlite_dbpage"};

struct Guard {
  std::string refused;    // what the authorizer refused, for the message
  bool function = false;  // `refused` names a function
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* action_name(int action) {
  switch (action) {
    case SQLITE_INSERT: return "INSERT";
    case SQLITE_UPDATE: return "UPDATE";
    case SQLITE_DELETE: return "DELETE";
    case SQLITE_ATTACH: return "ATTACH";
    case SQLITE_DETACH: return "DETACH";
    case SQLITE_PRAGMA: return "this PRAGMA";
    case SQLITE_TRANSACTION: return "transaction control";
    case SQLITE_SAVEPOINT: return "SAVEPOINT";
    case SQLITE_ANALYZE: return "ANALYZE";
    case SQLITE_REINDEX: return "REINDEX";
    case SQLITE_ALTER_TABLE: return "ALTER TABLE";
    default: return "a write (CREATE/DROP/...)";
  }
}

int authorize(void* user, int action, const char* a1, const char* a2, const char*, const char*) {
  auto* guard = static_cast<Guard*>(user);
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION: {
      // a2 is the function's name, as written.
      const std::string name = lower(a2 ? a2 : "");
      if (!refused_functions.count(name)) return SQLITE_OK;
      guard->refused = name + "()";
      guard->function = true;
      return SQLITE_DENY;
    }
    case SQLITE_UPDATE:
      // Table-valued pragma functions (SELECT * FROM pragma_table_info('runs'))
      // register an eponymous table by "updating" the in-memory sqlite_master;
      // a real write to it is still stopped by the read-only file and query_only.
      if (a1 && std::string_view(a1) == "sqlite_master") return SQLITE_OK;
      guard->refused = "UPDATE";
      return SQLITE_DENY;
    case SQLITE_PRAGMA: {
      const std::string name = a1 ? a1 : "";
      if (reporting_pragmas.count(name) || (a2 == nullptr && readable_pragmas.count(name))) return SQLITE_OK;
      guard->refused = fmt::format("PRAGMA {}{}", name, a2 ? fmt::format(" = {}", a2) : "");
      return SQLITE_DENY;
    }
    default:
      if (guard->refused.empty()) guard->refused = action_name(action);
      return SQLITE_DENY;
  }
}

// The index of the first character of `s` from `i` on that is not white space,
// a ';' or inside an SQL comment (s.size() when none).
size_t skip_space_and_comments(std::string_view s, size_t i = 0) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == ';') {
      ++i;
    } else if (s.substr(i, 2) == "--") {
      i = s.find('\n', i);
      if (i == std::string_view::npos) return s.size();
    } else if (s.substr(i, 2) == "/*") {
      i = s.find("*/", i + 2);
      if (i == std::string_view::npos) return s.size();
      i += 2;
    } else {
      return i;
    }
  }
  return s.size();
}

bool only_space_or_comments(std::string_view s) { return skip_space_and_comments(s) == s.size(); }

struct Deadline {
  std::chrono::steady_clock::time_point at;
  bool passed = false;
};

// SQLite calls this every few thousand VM steps; non-zero interrupts the query.
int past_deadline(void* user) {
  auto* d = static_cast<Deadline*>(user);
  d->passed = d->passed || std::chrono::steady_clock::now() >= d->at;
  return d->passed ? 1 : 0;
}

std::size_t cell_bytes(const Cell& c) {
  const auto* s = std::get_if<std::string>(&c);
  return sizeof(Cell) + (s ? s->size() : 0);
}

// The statement's verb (DROP, CREATE, ...) names a refusal better than the first
// action the authorizer saw (DROP TABLE first deletes from sqlite_master).
// Comments before it are skipped: "/* x */ DELETE ..." is a DELETE.
std::string refused_name(std::string_view sql, const std::string& action) {
  size_t i = skip_space_and_comments(sql);
  std::string verb;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    verb += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  if (verb.empty() || verb == "SELECT" || verb == "WITH" || verb == "PRAGMA" || verb == "EXPLAIN") return action;
  return verb;
}

}  // namespace

Table read_only_query(const std::filesystem::path& db_path, std::string_view sql, const QueryLimits& limits) {
  Database db = Database::open(db_path, Database::Mode::read_only);
  db.exec("PRAGMA query_only = ON");
  // Belt and braces under the authorizer: no extension loading, no
  // fts3_tokenizer() pointers, no writes to the schema even by accident, and no
  // functions from the file's own views or triggers acting with our rights.
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, nullptr);
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  Guard guard;
  sqlite3_set_authorizer(db.handle(), authorize, &guard);
  // Bounded work: randomblob(1e9) or an endless recursive CTE would otherwise
  // allocate until the machine gives out, or never return.
  sqlite3_limit(db.handle(), SQLITE_LIMIT_LENGTH, static_cast<int>(limits.max_value_bytes));
  Deadline deadline{std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(limits.max_seconds))};
  sqlite3_progress_handler(db.handle(), 10'000, past_deadline, &deadline);

  const std::string text(sql);
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), text.c_str(), static_cast<int>(text.size()), &raw, &tail);
  sqlite3_finalize(raw);  // re-prepared below by Statement, which owns it
  if (rc != SQLITE_OK) {
    if (guard.function)
      throw Error(fmt::format("atrous query refuses the SQL function {}: it does more than read\n  in: {}", guard.refused,
                              text),
                  Error::Kind::usage);
    if (!guard.refused.empty())
      throw Error(fmt::format("atrous query is read-only: {} is refused\n  in: {}", refused_name(text, guard.refused), text),
                  Error::Kind::usage);
    throw Error(fmt::format("SQLite: {}\n  in: {}", sqlite3_errmsg(db.handle()), text), Error::Kind::usage);
  }
  if (!raw) throw Error("no SQL statement given", Error::Kind::usage);
  const size_t used = static_cast<size_t>(tail - text.c_str());
  if (!only_space_or_comments(std::string_view(text).substr(used)))
    throw Error(fmt::format("atrous query runs one statement; found more after: {}", text.substr(0, used)),
                Error::Kind::usage);

  Statement q(db.handle(), std::string_view(text).substr(0, used));
  if (!q.read_only())
    throw Error(fmt::format("atrous query is read-only: the statement would write\n  in: {}", text), Error::Kind::usage);
  Table t;
  for (int i = 0; i < q.column_count(); ++i) t.columns.push_back(q.column_name(i));
  std::size_t bytes = 0;
  try {
    while (q.step()) {
      std::vector<Cell> row;
      for (int i = 0; i < q.column_count(); ++i) {
        row.push_back(q.column(i));
        bytes += cell_bytes(row.back());
      }
      t.rows.push_back(std::move(row));
      if (bytes > limits.max_result_bytes)
        throw Error(fmt::format("atrous query stopped: the result passed {} MiB after {} rows; narrow it (WHERE, "
                                "LIMIT) or use the sqlite3 shell\n  in: {}",
                                limits.max_result_bytes >> 20, t.rows.size(), text),
                    Error::Kind::usage);
    }
  } catch (const Error& e) {
    if (deadline.passed)
      throw Error(fmt::format("atrous query stopped after {} s; narrow the query or use the sqlite3 shell\n  in: {}",
                              limits.max_seconds, text),
                  Error::Kind::usage);
    throw Error(e.what(), Error::Kind::usage);
  }
  return t;
}

}  // namespace atrous::store
