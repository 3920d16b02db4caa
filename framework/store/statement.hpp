#pragma once
// A prepared SQLite statement (RAII). Bind 1-based parameters, step through rows,
// read columns as typed Cells. Errors carry the SQL text so they can be acted on.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/table_format.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace atrous::store {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);  // prepares exactly one statement
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t v);
  Statement& bind(int index, int v) { return bind(index, static_cast<int64_t>(v)); }
  Statement& bind(int index, double v);
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, std::nullptr_t);
  Statement& bind(int index, const Cell& v);

  // Binds arguments to ?1, ?2, ... in order.
  template <typename... Args>
  Statement& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  bool step();  // true when a row is available, false when done
  void run();   // steps until done (for statements without rows)
  void reset();  // ready to step again; bindings are kept

  int column_count() const;
  std::string column_name(int i) const;
  Cell column(int i) const;
  int64_t column_int(int i) const;
  double column_double(int i) const;
  std::string column_text(int i) const;  // "" for NULL
  bool column_is_null(int i) const;

  bool read_only() const;  // sqlite3_stmt_readonly
  const std::string& sql() const { return sql_; }
  sqlite3_stmt* handle() { return stmt_; }

 private:
  [[noreturn]] void fail(int rc, std::string_view what) const;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

}  // namespace atrous::store
