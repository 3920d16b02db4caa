#include "store/database.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "core/error.hpp"

namespace atrous::store {

namespace {

// "file:" URI of `path` with SQLite's immutable flag: percent-encoded, so that
// '?', '#' and '%' in a folder name stay part of the path.
std::string immutable_uri(const std::filesystem::path& path) {
  std::string uri = "file:";
  for (unsigned char c : std::filesystem::absolute(path).string()) {
    const bool plain = std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~';
    uri += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  return uri + "?immutable=1";
}

// Reads the schema (the first read touches the WAL index): SQLITE_OK or the error code.
int probe(sqlite3* db) { return sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr); }

// Whether a reader failed for want of write access (it cannot create or map the
// -shm file of a WAL database in a read-only folder).
bool lacks_write_access(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY || primary == SQLITE_IOERR;
}

}  // namespace

Database Database::open(const std::filesystem::path& path, Mode mode) {
  if (mode == Mode::read_only) return open_reader(path);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error(fmt::format("cannot create folder '{}': {}", path.parent_path().string(), ec.message()));
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw, path);  // owns raw even when opening failed
  if (rc != SQLITE_OK)
    throw Error(fmt::format("cannot open database '{}': {}", path.string(), raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
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
  return db;
}

Database Database::open_reader(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    throw Error(fmt::format("no such database '{}' (use --db to choose another)", path.string()), Error::Kind::usage);
  if (std::filesystem::is_directory(status))
    throw Error(fmt::format("'{}' is a folder, not a database (use --db to choose the file)", path.string()),
                Error::Kind::usage);
  auto open_with = [&](const std::string& name, int flags) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(name.c_str(), &raw, flags | SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db(raw, path);  // owns raw even when opening failed
    if (rc != SQLITE_OK)
      throw Error(fmt::format("cannot open database '{}': {}", path.string(), raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
    return db;
  };
  Database db = open_with(path.string(), 0);
  int rc = probe(db.handle());
  if (rc != SQLITE_OK && lacks_write_access(rc)) {
    // A WAL database in a folder this process cannot write: like `sqlite3
    // 'file:...?immutable=1'`, read the main file without locks or WAL index.
    // Only a -wal a crashed writer left behind there goes unread.
    Database fallback = open_with(immutable_uri(path), SQLITE_OPEN_URI);
    if (probe(fallback.handle()) == SQLITE_OK) return fallback;
  }
  if (rc != SQLITE_OK) {
    const int primary = rc & 0xff;
    if (primary == SQLITE_NOTADB)
      throw Error(fmt::format("'{}' is not an atrous database (not an SQLite file)", path.string()), Error::Kind::usage);
    throw Error(fmt::format("cannot read database '{}': {}", path.string(), sqlite3_errmsg(db.handle())));
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
