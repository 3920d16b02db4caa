// The reading commands (runs, query, status, report, compare) never create or
// change a database: a missing or empty file is refused without writing schema
// into it, and a database in a folder nobody may write is still readable
// (SQLite's immutable mode when the WAL index cannot be created).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/schema.hpp"
#include "store/store_test_support.hpp"
#include "support/cli.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::run_atrous;
using testing::store_error;
using testing::TempDir;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every reading command, on `db` (the report goes to `out`, a writable folder).
std::vector<std::string> reader_commands(const std::string& db, const std::string& out) {
  return {"runs --db " + db,
          "query --db " + db + " 'SELECT COUNT(*) FROM runs'",
          "status --db " + db,
          "status ablation --db " + db,
          "report ablation --no-predictions --no-rf --db " + db + " -o " + out,
          "compare a1 a2 --db " + db};
}

// Makes a folder unwritable for this process until destroyed: the immutable
// attribute as root (root ignores permission bits), chmod 0555 otherwise.
// `works` is false where neither stops a file being created (then the test skips).
class ReadOnlyFolder {
 public:
  explicit ReadOnlyFolder(const fs::path& dir) : dir_(dir) {
    if (::geteuid() == 0) {
      set_immutable(true);
    } else {
      fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    }
    const fs::path probe = dir_ / "probe";
    works = !std::ofstream(probe).good();
    std::error_code ec;
    fs::remove(probe, ec);
  }
  ~ReadOnlyFolder() {
    if (::geteuid() == 0) set_immutable(false);
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
  }
  ReadOnlyFolder(const ReadOnlyFolder&) = delete;
  ReadOnlyFolder& operator=(const ReadOnlyFolder&) = delete;
  bool works = false;

 private:
  void set_immutable(bool on) {
    const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    int flags = 0;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    ::close(fd);
  }
  fs::path dir_;
};

TEST(ReadOnlyOpen, AMissingDatabaseIsNotCreated) {
  TempDir dir("ro_missing");
  const std::string db = dir / "nothing/atrous.db";
  for (const auto& cmd : reader_commands(db, dir / "r.md")) {
    const auto r = run_atrous(cmd);
    EXPECT_EQ(r.code, 2) << cmd << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "no such database")) << cmd << "\n" << r.out;
    EXPECT_FALSE(fs::exists(db)) << cmd;
  }
}

TEST(ReadOnlyOpen, AnEmptyFileGetsNoSchema) {
  TempDir dir("ro_empty");
  const std::string db = dir / "atrous.db";
  std::ofstream(db).close();
  for (const auto& cmd : reader_commands(db, dir / "r.md")) {
    if (cmd.rfind("query", 0) == 0) continue;  // raw SQL on any SQLite file: below
    const auto r = run_atrous(cmd);
    EXPECT_EQ(r.code, 2) << cmd << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "is not an atrous database")) << cmd << "\n" << r.out;
    EXPECT_EQ(fs::file_size(db), 0u) << cmd;
  }
  const auto q = run_atrous("query --db " + db + " 'SELECT COUNT(*) AS n FROM sqlite_master' --format csv");
  EXPECT_EQ(q.code, 0) << q.out;
  EXPECT_EQ(q.out, "n\n0\n");
  EXPECT_EQ(fs::file_size(db), 0u);
  EXPECT_FALSE(fs::exists(db + "-wal"));
  EXPECT_FALSE(fs::exists(db + "-shm"));
  EXPECT_EQ(fs::file_size(db), 0u);

  // Not SQLite at all.
  std::ofstream(db) << "hello, not a database\n";
  const auto r = run_atrous("runs --db " + db);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "is not an atrous database")) << r.out;
}

TEST(ReadOnlyOpen, ANewerSchemaIsRefusedByEveryReader) {
  TempDir dir("ro_newer");
  const std::string db = dir / "atrous.db";
  {
    auto s = store::Store::open(db);
    testing::fill_example(s);
  }
  store::Database::open(db).exec("INSERT INTO schema_version VALUES (99)");
  for (const auto& cmd : reader_commands(db, dir / "r.md")) {
    if (cmd.rfind("query", 0) == 0) continue;  // raw SQL reads whatever is there
    const auto r = run_atrous(cmd);
    EXPECT_EQ(r.code, 1) << cmd << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "schema version 99, newer than this atrous")) << cmd << "\n" << r.out;
  }
}

TEST(ReadOnlyOpen, AnOlderSchemaIsUpgradedForReading) {
  TempDir dir("ro_older");
  const std::string db = dir / "atrous.db";
  testing::create_database_at_version(db, 2);
  testing::fill_example_v2(db);
  auto s = store::Store::open_read_only(db);
  EXPECT_EQ(s.runs("ablation").size(), 4u);
  EXPECT_EQ(s.find_run("a1")->grid_json, "{}");
  auto raw = store::Database::open(db, store::Database::Mode::read_only);
  EXPECT_EQ(store::readable_schema_version(raw), store::latest_schema_version());
}

// A schema-2 file in a folder the reader cannot write cannot be upgraded: the
// readers list its runs through views of the links, and leave it as it was.
TEST(ReadOnlyOpen, AnOlderSchemaInAReadOnlyFolderIsReadAsItIs) {
  TempDir dir("ro_older_folder");
  const fs::path folder = fs::path(dir.path()) / "ro";
  const std::string db = (folder / "atrous.db").string();
  testing::create_database_at_version(db, 2);
  testing::fill_example_v2(db);
  ASSERT_FALSE(fs::exists(db + "-wal"));
  const std::string before = bytes_of(db);
  {
    ReadOnlyFolder lock(folder);
    if (!lock.works) GTEST_SKIP() << "cannot make a folder read-only here";
    for (const auto& cmd : reader_commands(db, dir / "out/r.md")) {
      const auto r = run_atrous(cmd);
      EXPECT_EQ(r.code, 0) << cmd << "\n" << r.out;
    }
    const auto runs = run_atrous("runs --db " + db + " --columns id,variant --experiment ablation --format csv");
    EXPECT_EQ(runs.out, "id,variant\na1,dilated\na2,dilated\nb1,plain\nb2,plain\n");
    const auto status = run_atrous("status --db " + db + " --format csv");
    EXPECT_TRUE(contains(status.out, "other,plain,1,done")) << status.out;
  }
  EXPECT_EQ(bytes_of(db), before);
  auto raw = store::Database::open(db, store::Database::Mode::read_only);
  EXPECT_EQ(store::readable_schema_version(raw), 2);
}

TEST(ReadOnlyOpen, ADatabaseInAReadOnlyFolderIsReadWithoutWriting) {
  TempDir dir("ro_folder");
  const fs::path folder = fs::path(dir.path()) / "ro";
  const std::string db = (folder / "atrous.db").string();
  {
    auto s = store::Store::open(db);
    testing::fill_example(s);
  }  // the last connection checkpoints and removes -wal and -shm
  ASSERT_FALSE(fs::exists(db + "-wal"));
  const std::string before = bytes_of(db);
  {
    ReadOnlyFolder lock(folder);
    if (!lock.works) GTEST_SKIP() << "cannot make a folder read-only here";
    const auto direct = store_error([&] { store::Store::open(db); });
    EXPECT_FALSE(direct.empty()) << "the folder still takes writes";
    for (const auto& cmd : reader_commands(db, dir / "out/r.md")) {
      const auto r = run_atrous(cmd);
      EXPECT_EQ(r.code, 0) << cmd << "\n" << r.out;
      EXPECT_FALSE(contains(r.out, "readonly")) << cmd << "\n" << r.out;
    }
    const auto runs = run_atrous("runs --db " + db + " --columns id --experiment ablation --format csv");
    EXPECT_EQ(runs.out, "id\na1\na2\nb1\nb2\n");
    const auto q = run_atrous("query --db " + db + " 'SELECT COUNT(*) AS n FROM runs' --format csv");
    EXPECT_EQ(q.out, "n\n5\n");
  }
  EXPECT_FALSE(fs::exists(db + "-wal"));
  EXPECT_FALSE(fs::exists(db + "-shm"));
  EXPECT_EQ(bytes_of(db), before);
}

TEST(ReadOnlyOpen, ReadingNeverChangesTheFile) {
  TempDir dir("ro_bytes");
  const std::string db = dir / "atrous.db";
  {
    auto s = store::Store::open(db);
    testing::fill_example(s);
  }
  const std::string before = bytes_of(db);
  for (const auto& cmd : reader_commands(db, dir / "out/r.md")) {
    const auto r = run_atrous(cmd);
    EXPECT_EQ(r.code, 0) << cmd << "\n" << r.out;
    EXPECT_EQ(bytes_of(db), before) << cmd;
  }
}

}  // namespace
}  // namespace atrous
