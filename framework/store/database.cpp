#include "store/database.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/error.hpp"

namespace atrous::store {

Database Database::open(const std::filesystem::path& path, Mode mode) {
  if (mode == Mode::read_only) {
    if (!std::filesystem::exists(path))
      throw Error(fmt::format("no database at '{}' (use --db to choose another)", path.string()), Error::Kind::usage);
  } else if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error(fmt::format("cannot create folder '{}': {}", path.parent_path().string(), ec.message()));
  }
  const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw, path);  // owns raw even when opening failed
  if (rc != SQLITE_OK)
    throw Error(fmt::format("cannot open database '{}': {}", path.string(), raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  if (mode == Mode::read_write) {
    // NORMAL is durable across a crash of the process (SIGKILL) in WAL mode; only
    // a power loss may drop the last commits, which a sweep re-runs anyway.
    // Several processes creating the same new file race to switch it to WAL, and
    // SQLite may answer SQLITE_BUSY at once, without calling the busy handler
    // (it refuses to wait where waiting could deadlock). Retry within the same
    // time budget as every other lock wait.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    int delay_ms = 1;
    while (true) {
      const int rc = sqlite3_exec(raw, "PRAGMA journal_mode=WAL;", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) break;
      if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline)
        throw Error(fmt::format("cannot switch database '{}' to WAL mode: {}", path.string(), sqlite3_errmsg(raw)));
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      delay_ms = std::min(delay_ms * 2, 50);
    }
    db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  }
  return db;
}

Database::Database(Database&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) { other.db_ = nullptr; }

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    other.db_ = nullptr;
  }
  return *this;
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string m = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(fmt::format("SQLite: {} ({})\n  in: {}", m, sqlite3_errstr(rc), text));
  }
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }

}  // namespace atrous::store
