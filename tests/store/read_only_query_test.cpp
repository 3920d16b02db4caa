#include <gtest/gtest.h>

#include <chrono>

#include "store/read_only_query.hpp"
#include "store/store_test_support.hpp"

namespace atrous {
namespace {

using namespace store;
using testing::contains;
using testing::store_error;
using testing::TempDir;

class ReadOnlyQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(path_);
    testing::fill_example(s);
  }
  std::string refused(const std::string& sql) { return store_error([&] { read_only_query(path_, sql); }); }
  int64_t count_runs() {
    auto t = read_only_query(path_, "SELECT COUNT(*) FROM runs");
    return std::get<int64_t>(t.rows.at(0).at(0));
  }
  TempDir dir_{"ro_query"};
  std::string path_ = dir_ / "a.db";
};

TEST_F(ReadOnlyQuery, SelectsWork) {
  Table t = read_only_query(path_,
                            "SELECT r.variant, AVG(s.value) AS miou FROM runs r JOIN summaries s USING (run_id) "
                            "WHERE s.key = 'val.miou' GROUP BY r.variant ORDER BY r.variant;  -- trailing comment");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"variant", "miou"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_NEAR(std::get<double>(t.rows[0][1]), 0.80, 1e-12);  // (0.85 + 0.75) / 2
  EXPECT_EQ(read_only_query(path_, "PRAGMA table_info(runs)").rows.size(), 17u);  // schema 2: + grid_json
  EXPECT_EQ(read_only_query(path_, "PRAGMA user_version").rows.size(), 1u);
  EXPECT_EQ(read_only_query(path_, "SELECT name FROM pragma_table_info('runs') WHERE pk = 1").rows.size(), 1u);
  EXPECT_EQ(read_only_query(path_, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
                                   "SELECT i FROM n")
                .rows.size(),
            3u);
  EXPECT_EQ(count_runs(), 5);
}

TEST_F(ReadOnlyQuery, WritesAreRefused) {
  const std::vector<std::string> writes = {
      "INSERT INTO experiments (name, created_at) VALUES ('x', 'now')",
      "UPDATE runs SET status = 'done'",
      "DELETE FROM runs",
      "DROP TABLE metrics",
      "CREATE TABLE t (x)",
      "CREATE TEMP TABLE t (x)",
      "CREATE INDEX i ON runs(seed)",
      "ALTER TABLE runs ADD COLUMN x",
      "REPLACE INTO summaries VALUES ('a1', 'k', 1)",
      "ATTACH DATABASE '" + (dir_ / "other.db") + "' AS o",
      "ATTACH ':memory:' AS m",
      "PRAGMA user_version = 7",
      "PRAGMA journal_mode = DELETE",
      "PRAGMA query_only = OFF",
      "PRAGMA writable_schema = ON",
      "UPDATE sqlite_master SET sql = ''",
      "VACUUM",
      "REINDEX",
      "ANALYZE",
      "BEGIN",
      "SAVEPOINT s",
      "WITH x AS (SELECT 1) DELETE FROM runs",
  };
  for (const auto& sql : writes) {
    const std::string e = refused(sql);
    EXPECT_TRUE(contains(e, "read-only") || contains(e, "SQLite:")) << sql << " -> " << e;
  }
  EXPECT_TRUE(contains(refused("DELETE FROM runs"), "read-only: DELETE is refused\n  in: DELETE FROM runs"));
  EXPECT_TRUE(contains(refused("PRAGMA user_version = 7"), "PRAGMA user_version = 7 is refused"));
  EXPECT_TRUE(contains(refused("ATTACH ':memory:' AS m"), "ATTACH is refused"));
  EXPECT_TRUE(contains(refused("DROP TABLE metrics"), "DROP is refused"));
  EXPECT_TRUE(contains(refused("WITH x AS (SELECT 1) DELETE FROM runs"), "DELETE is refused"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "other.db"));
  EXPECT_EQ(count_runs(), 5);
  auto s = Store::open(path_);
  EXPECT_EQ(s.find_run("a1")->status, RunStatus::done);
}

// A comment before the statement does not hide its kind from the message.
TEST_F(ReadOnlyQuery, RefusalsNameTheStatementBehindComments) {
  EXPECT_TRUE(contains(refused("/* x */ DELETE FROM runs"), "read-only: DELETE is refused")) << refused("/* x */ DELETE FROM runs");
  EXPECT_TRUE(contains(refused("-- c\nDROP TABLE metrics"), "read-only: DROP is refused")) << refused("-- c\nDROP TABLE metrics");
  EXPECT_TRUE(contains(refused("  /* a */ -- b\n /**/ UPDATE runs SET seed = 1"), "read-only: UPDATE is refused"));
  EXPECT_TRUE(contains(refused("/* x */ PRAGMA user_version = 7"), "PRAGMA user_version = 7 is refused"));
  EXPECT_EQ(count_runs(), 5);
}

// fts3_tokenizer() exchanges C function pointers with SQL (a known route to code
// execution); load_extension() loads native code. Both are refused by name,
// whatever their case, also inside an otherwise reading statement.
TEST_F(ReadOnlyQuery, DangerousFunctionsAreRefused) {
  for (const std::string sql : {"SELECT fts3_tokenizer('simple')", "SELECT FTS3_Tokenizer('simple', x'00')",
                                "SELECT run_id FROM runs WHERE load_extension('/tmp/x.so') IS NULL",
                                "SELECT load_extension('x')"}) {
    const std::string e = refused(sql);
    EXPECT_TRUE(contains(e, "atrous query refuses the SQL function ")) << sql << " -> " << e;
  }
  EXPECT_TRUE(contains(refused("SELECT fts3_tokenizer('simple')"), "fts3_tokenizer()"));
  EXPECT_EQ(read_only_query(path_, "SELECT upper('a'), length('abc'), json_extract('{\"a\":1}', '$.a')").rows.size(), 1u);
}

// No query allocates without bound or runs forever: a huge value, an endless
// result and an endless computation each end in a usage error naming the limit.
TEST_F(ReadOnlyQuery, WorkIsBounded) {
  std::string e = refused("SELECT length(randomblob(900000000))");
  EXPECT_TRUE(contains(e, "too big")) << e;
  QueryLimits small;
  small.max_result_bytes = 1 << 20;
  small.max_seconds = 0.3;
  const std::string endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) ";
  e = store_error([&] { read_only_query(path_, endless + "SELECT x FROM c", small); });
  EXPECT_TRUE(contains(e, "atrous query stopped: the result passed 1 MiB after ")) << e;
  const auto start = std::chrono::steady_clock::now();
  e = store_error([&] { read_only_query(path_, endless + "SELECT COUNT(*) FROM c", small); });
  EXPECT_TRUE(contains(e, "atrous query stopped after 0.3 s")) << e;
  // The limit is itself a time: checked loosely, since a loaded or sanitized build is slow.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  try {
    read_only_query(path_, endless + "SELECT COUNT(*) FROM c", small);
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), Error::Kind::usage);
  }
}

TEST_F(ReadOnlyQuery, OneStatementOnly) {
  EXPECT_TRUE(contains(refused("SELECT 1; DELETE FROM runs"), "runs one statement"));
  EXPECT_TRUE(contains(refused("SELECT 1; SELECT 2"), "runs one statement"));
  EXPECT_TRUE(contains(refused(""), "no SQL statement"));
  EXPECT_EQ(count_runs(), 5);
}

TEST_F(ReadOnlyQuery, SqliteErrorsShowTheSql) {
  const std::string e = refused("SELECT nope FROM runs");
  EXPECT_TRUE(contains(e, "no such column: nope")) << e;
  EXPECT_TRUE(contains(e, "in: SELECT nope FROM runs")) << e;
  EXPECT_TRUE(contains(store_error([&] { read_only_query(dir_ / "missing.db", "SELECT 1"); }), "no such database"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing.db"));
}

}  // namespace
}  // namespace atrous
