#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>

#include "store/schema.hpp"
#include "store/store_test_support.hpp"

namespace atrous {
namespace {

using namespace store;
using testing::contains;
using testing::fill_example;
using testing::store_error;
using testing::TempDir;

TEST(Store, OpenCreatesFoldersWalAndLatestSchema) {
  TempDir dir("store_open");
  const std::string path = dir / "deep/er/atrous.db";
  auto s = Store::open(path);
  EXPECT_TRUE(std::filesystem::exists(path));
  // The store's own connection enforces foreign keys: metrics of no run are refused.
  EXPECT_TRUE(contains(store_error([&] { s.log_metrics("no-such-run", 0, 0, {{"loss", 1.0}}); }), "FOREIGN KEY"));
  // WAL is a property of the file; the store's connection is not handed out, so another looks.
  auto db = Database::open(path);
  auto q = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_text(0), "wal");
  auto fk = db.prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.step());
  EXPECT_EQ(fk.column_int(0), 1);
  EXPECT_EQ(schema_version(db), latest_schema_version());
  // Reopening does not migrate again (the version table has one row per migration).
  auto again = Store::open(path);
  auto n = db.prepare("SELECT COUNT(*) FROM schema_version");
  ASSERT_TRUE(n.step());
  EXPECT_EQ(n.column_int(0), latest_schema_version());
}

TEST(Store, StatementsAreOneEach) {
  TempDir dir("store_stmt");
  auto db = Database::open(dir / "a.db");
  EXPECT_TRUE(contains(store_error([&] { db.prepare("SELECT 1; SELECT 2"); }),
                       "one SQL statement expected, found more after: SELECT 1;"));
  EXPECT_TRUE(contains(store_error([&] { db.prepare("SELEC 1"); }), "in: SELEC 1"));
  db.prepare("SELECT 1;  ").run();
}

TEST(Store, NewerSchemaIsRefused) {
  TempDir dir("store_newer");
  const std::string path = dir / "a.db";
  {
    Store::open(path);
    Database::open(path).exec("INSERT INTO schema_version VALUES (99)");
  }
  EXPECT_TRUE(contains(store_error([&] { Store::open(path); }), "schema version 99, newer than this atrous"));
}

TEST(Store, GridPointIsKeptByLaterUpserts) {
  TempDir dir("store_grid");
  auto s = Store::open(dir / "a.db");
  fill_example(s);
  auto run = testing::make_run("g1", "dilated", 1, 32, 0.1);
  run.grid_json = R"({"dataset":"fashion"})";
  s.upsert_run(run);
  EXPECT_EQ(s.find_run("g1")->grid_json, R"({"dataset":"fashion"})");
  run.grid_json = "{}";  // e.g. a status update that does not know the grid point
  run.status = RunStatus::done;
  s.upsert_run(run);
  EXPECT_EQ(s.find_run("g1")->grid_json, R"({"dataset":"fashion"})");
  EXPECT_EQ(s.find_run("g1")->status, RunStatus::done);
}

TEST(Store, RunsParamsAndStatus) {
  TempDir dir("store_runs");
  auto s = Store::open(dir / "a.db");
  fill_example(s);
  auto a1 = s.find_run("a1");
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->experiment, "ablation");
  EXPECT_EQ(a1->variant, "dilated");
  EXPECT_EQ(a1->status, RunStatus::done);
  EXPECT_FALSE(a1->end_time.empty());
  EXPECT_EQ(s.find_run("b1")->error, "diverged");
  EXPECT_FALSE(s.find_run("zz"));

  const auto params = s.params("a1");
  std::map<std::string, Cell> p(params.begin(), params.end());
  EXPECT_EQ(p.at("model.params.width"), Cell{int64_t{32}});
  EXPECT_EQ(p.at("train.optimizer.lr"), Cell{0.1});
  EXPECT_EQ(p.at("train.optimizer.name"), Cell{std::string("sgd")});
  EXPECT_EQ(p.at("train.optimizer.nesterov"), Cell{int64_t{1}});
  EXPECT_EQ(p.at("model.params.rates"), Cell{std::string("[1,2,4]")});
  EXPECT_EQ(params.size(), 6u);

  // Upserting with another config rewrites the params (no stale keys) and keeps runtime fields.
  auto changed = testing::make_run("a1", "dilated", 1, 48, 0.1);
  changed.config_json = R"({"model": {"params": {"width": 48}}})";
  changed.status = RunStatus::done;
  s.upsert_run(changed);
  EXPECT_EQ(s.params("a1").size(), 1u);
  EXPECT_FALSE(s.find_run("a1")->end_time.empty());

  EXPECT_FALSE(s.insert_run_if_absent(testing::make_run("a1", "x", 9, 1, 1)));
  EXPECT_EQ(s.find_run("a1")->variant, "dilated");
  EXPECT_TRUE(s.insert_run_if_absent(testing::make_run("c1", "x", 9, 1, 1)));

  EXPECT_EQ(s.runs("ablation").size(), 5u);
  EXPECT_EQ(s.runs("", RunStatus::done).size(), 3u);
  auto bad = testing::make_run("x", "v", 1, 1, 1);
  bad.experiment = "nope";
  EXPECT_TRUE(contains(store_error([&] { s.upsert_run(bad); }), "unknown experiment 'nope'"));
  bad.experiment = "ablation";
  bad.config_json = "{oops";
  EXPECT_TRUE(contains(store_error([&] { s.upsert_run(bad); }), "config_json is not valid JSON"));
  EXPECT_TRUE(contains(store_error([&] { s.set_status("nope", RunStatus::done); }), "unknown run 'nope'"));

  s.set_status("b1", RunStatus::queued);
  EXPECT_TRUE(s.find_run("b1")->end_time.empty());
  EXPECT_TRUE(s.find_run("b1")->error.empty());
}

// Two experiments planning the same run id share it: each sees it under its own
// variant name, seed and grid point, and the run itself (status, summaries) is one.
TEST(Store, ARunPlannedByTwoExperimentsBelongsToBoth) {
  TempDir dir("store_shared");
  auto s = Store::open(dir / "a.db");
  fill_example(s);
  auto again = testing::make_run("a1", "rates_1248", 1, 32, 0.1);
  again.experiment = "other";
  again.grid_json = R"({"size":"small"})";
  EXPECT_FALSE(s.insert_run_if_absent(again));  // linked, not inserted
  EXPECT_EQ(s.experiments_of("a1"), (std::vector<std::string>{"ablation", "other"}));
  const auto other = s.runs("other");
  ASSERT_EQ(other.size(), 2u);
  EXPECT_EQ(other[1].id, "a1");
  EXPECT_EQ(other[1].experiment, "other");
  EXPECT_EQ(other[1].variant, "rates_1248");
  EXPECT_EQ(other[1].grid_json, R"({"size":"small"})");
  EXPECT_EQ(other[1].status, RunStatus::done);  // one run: the status is ablation's
  // The first experiment's view is unchanged.
  EXPECT_EQ(s.find_run("a1")->experiment, "ablation");
  EXPECT_EQ(s.find_run("a1")->variant, "dilated");
  EXPECT_EQ(s.find_run("a1")->grid_json, "{}");
  EXPECT_EQ(s.runs("ablation").size(), 4u);
  // Every (experiment, run) pair once.
  EXPECT_EQ(s.runs("", RunStatus::done).size(), 4u);
  // Planning it again changes nothing, and a status change shows in both.
  again.variant = "renamed";
  s.insert_run_if_absent(again);
  EXPECT_EQ(s.runs("other")[1].variant, "rates_1248");
  s.set_status("a1", RunStatus::failed, "x");
  EXPECT_EQ(s.runs("other")[1].status, RunStatus::failed);
  EXPECT_EQ(s.runs("ablation")[0].status, RunStatus::failed);

  // An upsert from the second experiment rewrites its link, not the first's.
  again.variant = "upserted";
  again.status = RunStatus::failed;  // upsert_run writes the status
  s.upsert_run(again);
  EXPECT_EQ(s.runs("other")[1].variant, "upserted");
  EXPECT_EQ(s.find_run("a1")->variant, "dilated");
  EXPECT_EQ(s.experiments_of("a1").size(), 2u);

  // `atrous runs` lists it under each experiment, as each sees it.
  RunListQuery q;
  q.columns = {"id", "experiment", "variant"};
  q.where = "id=a1";
  const Table t = s.list_runs(q);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], Cell{std::string("ablation")});
  EXPECT_EQ(t.rows[1][1], Cell{std::string("other")});
  EXPECT_EQ(t.rows[1][2], Cell{std::string("upserted")});
  q.where = "variant=upserted";
  q.experiment = "other";
  EXPECT_EQ(s.list_runs(q).rows.size(), 1u);
  q.experiment = "ablation";
  EXPECT_EQ(s.list_runs(q).rows.size(), 0u);

  // A queued run shared by two experiments is claimed once, by either.
  auto b2 = testing::make_run("b2", "plain", 2, 64, 0.01);
  b2.experiment = "other";
  s.insert_run_if_absent(b2);
  const RuntimeInfo info = current_runtime_info();
  EXPECT_EQ(s.claim_next("other", info), std::optional<std::string>("b2"));
  EXPECT_EQ(s.claim_next("ablation", info), std::nullopt);
}

TEST(Store, ResolveRunIdByPrefix) {
  TempDir dir("store_prefix");
  auto s = Store::open(dir / "a.db");
  fill_example(s);
  EXPECT_EQ(s.resolve_run_id("a1"), "a1");
  EXPECT_EQ(s.resolve_run_id("o"), "o1");
  EXPECT_TRUE(contains(store_error([&] { s.resolve_run_id("a"); }), "'a' is ambiguous: it starts a1, a2"));
  EXPECT_TRUE(contains(store_error([&] { s.resolve_run_id("q"); }), "unknown run 'q'"));
}

TEST(Store, ClaimsAreExclusive) {
  TempDir dir("store_claim");
  auto s = Store::open(dir / "a.db");
  fill_example(s);
  RuntimeInfo info = current_runtime_info();
  EXPECT_FALSE(s.claim_run("a1", info));  // done
  EXPECT_TRUE(s.claim_run("b2", info));
  EXPECT_FALSE(s.claim_run("b2", info));  // already running
  auto b2 = s.find_run("b2");
  EXPECT_EQ(b2->status, RunStatus::running);
  EXPECT_EQ(b2->pid, getpid());
  EXPECT_EQ(b2->host, host_name());
  EXPECT_FALSE(b2->onednn_isa.empty());
  EXPECT_FALSE(s.claim_next("ablation", info));  // nothing queued any more
  s.upsert_run(testing::make_run("q1", "dilated", 3, 8, 0.1));
  s.upsert_run(testing::make_run("q2", "dilated", 4, 8, 0.1));
  EXPECT_EQ(s.claim_next("ablation", info), "q1");  // oldest first
  EXPECT_EQ(s.claim_next("ablation", info), "q2");
}

TEST(Store, MetricsAreIdempotentPerStep) {
  TempDir dir("store_metrics");
  auto s = Store::open(dir / "a.db");
  fill_example(s);
  s.log_metrics("a1", 10, 1, {{"train.loss", 1.5}, {"val.miou", 0.5}});
  s.log_metrics("a1", 20, 2, {{"train.loss", 1.0}, {"val.miou", 0.6}});
  s.log_metrics("a1", 20, 2, {{"train.loss", 0.9}});  // a resumed run re-logs step 20
  s.log_metrics("a1", 30, 3, {{"train.loss", NAN}});
  auto loss = s.metrics("a1", "train.loss");
  ASSERT_EQ(loss.size(), 3u);
  EXPECT_EQ(loss[1].step, 20);
  EXPECT_EQ(loss[1].epoch, 2);
  EXPECT_DOUBLE_EQ(loss[1].value, 0.9);
  EXPECT_TRUE(std::isnan(loss[2].value));
  EXPECT_EQ(s.metrics("a1").size(), 5u);
  EXPECT_TRUE(contains(store_error([&] { s.log_metrics("nope", 1, 1, {{"x", 1}}); }), "FOREIGN KEY"));
  EXPECT_TRUE(s.metrics("nope").empty());  // the failed call left nothing

  s.set_summaries("a1", {{"val.miou", 0.9}});
  EXPECT_DOUBLE_EQ(s.summaries("a1").at("val.miou"), 0.9);
  EXPECT_DOUBLE_EQ(s.summaries("a1").at("best.val.miou"), 0.86);
  s.add_artifact("a1", "checkpoint", "results/a1/last.safetensors");
  s.add_artifact("a1", "checkpoint", "results/a1/last.safetensors");
  s.add_artifact("a1", "log", "results/a1/log.txt");
  ASSERT_EQ(s.artifacts("a1").size(), 2u);
  EXPECT_EQ(s.artifacts("a1")[0].kind, "checkpoint");
}

}  // namespace
}  // namespace atrous
