// Migrations from older schema versions keep what older atrous versions wrote,
// and what the readers (runs, status, report) list stays the same. Version 3
// moved an experiment's runs into the experiment_runs link table.
#include <gtest/gtest.h>

#include "report/report_data.hpp"
#include "store/schema.hpp"
#include "store/store_test_support.hpp"
#include "sweep/status_table.hpp"

namespace atrous {
namespace {

using namespace store;
using testing::TempDir;

std::vector<std::string> ids(const std::vector<RunRecord>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.push_back(r.id);
  return out;
}

std::vector<std::string> column(const Table& t, size_t c) {
  std::vector<std::string> out;
  for (const auto& row : t.rows) out.push_back(std::get<std::string>(row.at(c)));
  return out;
}

TEST(SchemaMigration, Version2RunsAreLinkedToTheirOneExperiment) {
  TempDir dir("migrate_v2");
  const std::string path = dir / "a.db";
  testing::create_database_at_version(path, 2);
  testing::fill_example_v2(path);
  auto s = Store::open(path);
  {
    auto db = Database::open(path);
    EXPECT_EQ(schema_version(db), latest_schema_version());
    // Linked in the order schema 2 listed them (created_at, then rowid), as its runs recorded them.
    auto q = db.prepare(
        "SELECT e.name, l.run_id, l.variant, l.seed, l.grid_json, l.linked_at FROM experiment_runs l "
        "JOIN experiments e USING (experiment_id) ORDER BY l.link_id");
    std::vector<std::string> rows;
    while (q.step())
      rows.push_back(fmt::format("{} {} {} {} {} {}", q.column_text(0), q.column_text(1), q.column_text(2),
                                 q.column_int(3), q.column_text(4), q.column_text(5)));
    EXPECT_EQ(rows, (std::vector<std::string>{
                        "ablation a1 dilated 1 {} 2026-11-01T00:00:01.000Z",
                        "ablation a2 dilated 2 {} 2026-11-01T00:00:02.000Z",
                        R"(ablation b1 plain 1 {"dataset":"fashion"} 2026-11-01T00:00:03.000Z)",
                        "ablation b2 plain 2 {} 2026-11-01T00:00:04.000Z",
                        "other o1 plain 1 {} 2026-11-01T00:00:05.000Z",
                    }));
  }
  // What schema 2's readers listed, through the links.
  EXPECT_EQ(ids(s.runs("ablation")), (std::vector<std::string>{"a1", "a2", "b1", "b2"}));
  EXPECT_EQ(ids(s.runs("other")), (std::vector<std::string>{"o1"}));
  EXPECT_EQ(ids(s.runs("", RunStatus::done)), (std::vector<std::string>{"a1", "a2", "o1"}));
  EXPECT_EQ(s.find_run("b1")->grid_json, R"({"dataset":"fashion"})");
  EXPECT_EQ(s.find_run("b1")->variant, "plain");
  EXPECT_EQ(s.experiments_of("o1"), std::vector<std::string>{"other"});

  RunListQuery q;
  q.experiment = "ablation";
  q.columns = {"id", "experiment", "variant"};
  const Table listed = s.list_runs(q);
  EXPECT_EQ(column(listed, 0), (std::vector<std::string>{"a1", "a2", "b1", "b2"}));
  EXPECT_EQ(column(listed, 2), (std::vector<std::string>{"dilated", "dilated", "plain", "plain"}));
  q.where = "seed=2";
  EXPECT_EQ(column(s.list_runs(q), 0), (std::vector<std::string>{"a2", "b2"}));

  const auto report = report::load_report_data(s, "ablation");
  ASSERT_EQ(report.groups.size(), 3u);  // dilated, plain at the fashion point, plain without one
  EXPECT_EQ(report.groups[0].variant, "dilated");
  EXPECT_EQ(report.groups[0].runs.size(), 2u);
  EXPECT_EQ(report.groups[1].grid.at("dataset"), "fashion");
  EXPECT_EQ(status_table(s, "ablation", {}).rows.size(), 4u);
  EXPECT_EQ(status_table(s, "", {}).rows.size(), 5u);
}

TEST(SchemaMigration, Version1RunsGainAnEmptyGridPointAndTheirLinks) {
  TempDir dir("migrate_v1");
  const std::string path = dir / "a.db";
  testing::create_database_at_version(path, 1);
  Database::open(path).exec(R"sql(
INSERT INTO experiments (experiment_id, name, created_at) VALUES (1, 'ablation', '2026-11-01T00:00:00.000Z');
INSERT INTO runs (run_id, experiment_id, variant, seed, status, created_at) VALUES
  ('a1', 1, 'dilated', 1, 'done', '2026-11-01T00:00:01.000Z');
)sql");
  auto s = Store::open(path);
  auto db = Database::open(path);
  EXPECT_EQ(schema_version(db), latest_schema_version());
  const auto a1 = s.find_run("a1");
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->grid_json, "{}");
  EXPECT_EQ(a1->variant, "dilated");
  EXPECT_EQ(a1->status, RunStatus::done);
  EXPECT_EQ(ids(s.runs("ablation")), std::vector<std::string>{"a1"});
}

// Schema 3 is read through views by readers that cannot upgrade an older file;
// the views list what the migration would have linked.
TEST(SchemaMigration, ReadersCanEmulateTheLinksOfVersions1And2) {
  for (int version : {1, 2}) {
    TempDir dir("emulate_v" + std::to_string(version));
    const std::string path = dir / "a.db";
    testing::create_database_at_version(path, version);
    Database::open(path).exec(
        "INSERT INTO experiments (experiment_id, name, created_at) VALUES (1, 'e', 'now');"
        "INSERT INTO runs (run_id, experiment_id, variant, seed, created_at) VALUES ('r1', 1, 'v', 3, 'now')");
    auto db = Database::open(path, Database::Mode::read_only);
    ASSERT_TRUE(emulate_latest_schema(db, version));
    auto q = db.prepare("SELECT run_id, variant, seed, grid_json FROM experiment_runs WHERE experiment_id = 1");
    ASSERT_TRUE(q.step()) << version;
    EXPECT_EQ(q.column_text(0), "r1");
    EXPECT_EQ(q.column_text(1), "v");
    EXPECT_EQ(q.column_int(2), 3);
    EXPECT_EQ(q.column_text(3), "{}");
    EXPECT_FALSE(q.step());
  }
}

}  // namespace
}  // namespace atrous
