#pragma once
// One SQLite connection (RAII). Opening read-write creates the file's folder,
// switches to WAL (readers never block the writer: the stock sqlite3 shell can
// read while a sweep writes), waits up to 10 s on locks instead of failing, and
// enforces foreign keys.
//
// Opening read-only never creates or changes the database: a missing file is
// "no such database", a file SQLite cannot read "not an atrous database". The
// connection is SQLITE_OPEN_READONLY; where SQLite cannot create the WAL index
// (-shm) beside a WAL database (a read-only folder), it falls back to
// SQLite's immutable mode, which reads the main file alone, as
// `sqlite3 'file:x.db?immutable=1'` does.
#include <filesystem>
#include <string>
#include <string_view>

#include "store/statement.hpp"

struct sqlite3;

namespace atrous::store {

class Database {
 public:
  enum class Mode { read_write, read_only };
  static constexpr int busy_timeout_ms = 10'000;

  static Database open(const std::filesystem::path& path, Mode mode = Mode::read_write);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  ~Database();

  // Runs one or more statements without results (migrations, PRAGMAs).
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  int64_t changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  static Database open_reader(const std::filesystem::path& path);
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace atrous::store
