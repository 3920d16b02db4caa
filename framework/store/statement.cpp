#include "store/statement.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cctype>

#include "core/error.hpp"

namespace atrous::store {

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db), sql_(sql) {
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, sql_.data(), static_cast<int>(sql_.size()), &stmt_, &tail);
  if (rc != SQLITE_OK) fail(rc, "cannot prepare");
  if (!stmt_) throw Error(fmt::format("empty SQL statement: '{}'", sql_), Error::Kind::usage);
  // One statement per Statement: a silently ignored remainder would hide a bug.
  for (const char* p = tail; p && p < sql_.data() + sql_.size(); ++p)
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') {
      sqlite3_finalize(stmt_);
      throw Error(fmt::format("one SQL statement expected, found more after: {}", std::string_view(sql_.data(), static_cast<size_t>(tail - sql_.data()))));
    }
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_), sql_(std::move(other.sql_)) {
  other.stmt_ = nullptr;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::fail(int rc, std::string_view what) const {
  throw Error(fmt::format("SQLite: {} ({}): {}\n  in: {}", what, sqlite3_errstr(rc), sqlite3_errmsg(db_), sql_));
}

Statement& Statement::bind(int index, int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_, index, v); rc != SQLITE_OK) fail(rc, "cannot bind");
  return *this;
}
Statement& Statement::bind(int index, double v) {
  if (int rc = sqlite3_bind_double(stmt_, index, v); rc != SQLITE_OK) fail(rc, "cannot bind");
  return *this;
}
Statement& Statement::bind(int index, std::string_view v) {
  if (int rc = sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); rc != SQLITE_OK)
    fail(rc, "cannot bind");
  return *this;
}
Statement& Statement::bind(int index, std::nullptr_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(rc, "cannot bind");
  return *this;
}
Statement& Statement::bind(int index, const Cell& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return bind(index, *i);
  if (auto* d = std::get_if<double>(&v)) return bind(index, *d);
  if (auto* s = std::get_if<std::string>(&v)) return bind(index, std::string_view(*s));
  return bind(index, nullptr);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc, "cannot execute");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() { sqlite3_reset(stmt_); }

int Statement::column_count() const { return sqlite3_column_count(stmt_); }
std::string Statement::column_name(int i) const { return sqlite3_column_name(stmt_, i); }

Cell Statement::column(int i) const {
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_INTEGER: return sqlite3_column_int64(stmt_, i);
    case SQLITE_FLOAT: return sqlite3_column_double(stmt_, i);
    case SQLITE_NULL: return std::monostate{};
    case SQLITE_BLOB: return fmt::format("<blob {} bytes>", sqlite3_column_bytes(stmt_, i));
    default: return column_text(i);
  }
}

int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::column_double(int i) const { return sqlite3_column_double(stmt_, i); }
std::string Statement::column_text(int i) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
}
bool Statement::column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
bool Statement::read_only() const { return sqlite3_stmt_readonly(stmt_) != 0; }

}  // namespace atrous::store
