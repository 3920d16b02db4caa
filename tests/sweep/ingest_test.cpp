// `atrous ingest` on hand-written journals: idempotent to the last column,
// half-written lines ignored, stalled runs interrupted and live ones running.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "store/database.hpp"
#include "store/store.hpp"
#include "sweep/ingest.hpp"
#include "sweep/journal.hpp"
#include "sweep/manifest.hpp"
#include "sweep/status_table.hpp"  // parse_utc_timestamp

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Every row of every table, as text: two databases (or one, twice) compare equal
// exactly when their contents do.
std::string dump(const std::string& db_path) {
  auto db = store::Database::open(db_path, store::Database::Mode::read_only);
  std::string out;
  for (const char* table : {"experiments", "runs", "experiment_runs", "params", "metrics", "summaries", "artifacts"}) {
    auto q = db.prepare(fmt::format("SELECT * FROM {} ORDER BY 1, 2, 3", table));
    out += fmt::format("[{}]\n", table);
    while (q.step()) {
      for (int c = 0; c < q.column_count(); ++c) out += q.column_text(c) + "|";
      out += "\n";
    }
  }
  return out;
}

struct Fixture {
  TempDir dir{"ingest"};
  Manifest m;
  Fixture() {
    m.experiment = "ing";
    m.spec = "/nowhere/ing.yaml";
    m.description = "ingest test";
    m.spec_json = {{"name", "ing"}};
    for (int i = 0; i < 5; ++i) {
      ManifestRun r;
      r.index = i;
      r.run_id = fmt::format("{:016x}", 0xfeed0 + i);
      r.variant = i % 2 ? "odd" : "even";
      r.seed = i;
      r.grid = {{"lr", 0.1 * i}};
      r.config = {{"train", {{"seed", i}, {"epochs", 2}}}, {"model", {{"name", "m"}}}};
      m.runs.push_back(r);
    }
    write_manifest(dir / "manifest.json", m);
  }
  std::string run_dir(int i) const { return manifest_run_dir(dir.str(), m.runs[i].run_id); }
  std::string journal(int i) const {
    fs::create_directories(run_dir(i));
    return run_dir(i) + "/journal.jsonl";
  }
};

void write_lines(const std::string& path, const std::vector<std::string>& lines, const std::string& tail = "") {
  std::ofstream out(path, std::ios::app);
  for (const auto& l : lines) out << l << "\n";
  out << tail;
}

std::string start(const std::string& time, int pid) {
  return fmt::format(R"({{"event":"start","time":"{}","host":"node1","pid":{},"threads":2,"atrous_version":"t"}})",
                     time, pid);
}
std::string epoch(const std::string& time, int step, double loss) {
  return fmt::format(R"({{"event":"epoch","time":"{}","step":{},"epoch":{},"metrics":{{"train.loss":{},"val.miou":null}}}})",
                     time, step, step / 2, loss);
}

TEST(Ingest, FoldsJournalsIdempotentlyAndDecidesEveryStatus) {
  Fixture fx;
  const double now = parse_utc_timestamp("2026-06-01T12:00:00.000Z");
  // 0: done (DONE marker), resumed once after an interrupt; its last line half-written.
  write_lines(fx.journal(0),
              {start("2026-06-01T10:00:00.000Z", 11), epoch("2026-06-01T10:01:00.000Z", 2, 0.9),
               R"({"event":"status","time":"2026-06-01T10:02:00.000Z","status":"interrupted","reason":"signal 10"})",
               start("2026-06-01T10:05:00.000Z", 12), epoch("2026-06-01T10:06:00.000Z", 2, 0.8),
               epoch("2026-06-01T10:07:00.000Z", 4, 0.7),
               R"({"event":"artifact","time":"2026-06-01T10:07:00.000Z","kind":"checkpoint","path":"/r/last.safetensors"})",
               R"({"event":"summaries","time":"2026-06-01T10:08:00.000Z","values":{"wall_seconds":42,"val.miou":0.5}})",
               R"({"event":"status","time":"2026-06-01T10:08:00.000Z","status":"done","reason":""})"},
              R"({"event":"heartb)");
  write_done_marker(fx.run_dir(0), RunStatus::done);
  // 1: killed by SIGKILL an hour ago: last heartbeat old -> interrupted.
  write_lines(fx.journal(1), {start("2026-06-01T10:00:00.000Z", 21), epoch("2026-06-01T10:30:00.000Z", 2, 1.0),
                              R"({"event":"heartbeat","time":"2026-06-01T11:00:00.000Z"})"});
  // 2: alive: heartbeat a minute ago -> running.
  write_lines(fx.journal(2), {start("2026-06-01T11:50:00.000Z", 31),
                              R"({"event":"heartbeat","time":"2026-06-01T11:59:00.000Z"})"});
  // 3: failed, with DONE.
  write_lines(fx.journal(3), {start("2026-06-01T11:00:00.000Z", 41),
                              R"({"event":"status","time":"2026-06-01T11:01:00.000Z","status":"failed","reason":"loss is nan at step 3"})"});
  write_done_marker(fx.run_dir(3), RunStatus::failed);
  // 4: never started.

  const std::string db = fx.dir / "r.db";
  IngestOptions o;
  o.now = now;
  o.stale_after_seconds = 600;
  IngestOutcome out;
  {
    store::Store s = store::Store::open(db);
    out = ingest_manifest(s, fx.dir.str(), o);
  }
  EXPECT_EQ(out.experiment, "ing");
  EXPECT_EQ(out.runs, 5);
  EXPECT_EQ(out.journals, 4);
  EXPECT_EQ(out.done, 1);
  EXPECT_EQ(out.interrupted, 1);
  EXPECT_EQ(out.running, 1);
  EXPECT_EQ(out.failed, 1);
  EXPECT_EQ(out.not_started, 1);
  ASSERT_EQ(out.skipped.size(), 1u);
  EXPECT_NE(out.skipped[0].find("journal.jsonl:10: a half-written last line"), std::string::npos) << out.skipped[0];

  const std::string first = dump(db);
  {
    store::Store s = store::Store::open(db);
    ingest_manifest(s, fx.dir.str(), o);
  }
  EXPECT_EQ(dump(db), first) << "ingesting twice changed the database";

  store::Store s = store::Store::open_read_only(db);
  const auto r0 = s.find_run(fx.m.runs[0].run_id);
  ASSERT_TRUE(r0);
  EXPECT_EQ(r0->status, RunStatus::done);
  EXPECT_EQ(r0->error, "");
  EXPECT_EQ(r0->pid, 12);
  EXPECT_EQ(r0->host, "node1");
  EXPECT_EQ(r0->start_time, "2026-06-01T10:05:00.000Z");
  EXPECT_EQ(r0->end_time, "2026-06-01T10:08:00.000Z");
  EXPECT_EQ(r0->grid_json, R"({"lr":0.0})");
  const auto loss = s.metrics(fx.m.runs[0].run_id, "train.loss");
  ASSERT_EQ(loss.size(), 2u);  // step 2 once (the replay's value), step 4
  EXPECT_EQ(loss[0].step, 2);
  EXPECT_DOUBLE_EQ(loss[0].value, 0.8);
  EXPECT_EQ(loss[0].time, "2026-06-01T10:06:00.000Z");
  EXPECT_DOUBLE_EQ(loss[1].value, 0.7);
  const auto miou = s.metrics(fx.m.runs[0].run_id, "val.miou");
  ASSERT_EQ(miou.size(), 2u);
  EXPECT_TRUE(std::isnan(miou[0].value));
  EXPECT_EQ(s.summaries(fx.m.runs[0].run_id).at("wall_seconds"), 42);
  EXPECT_EQ(s.artifacts(fx.m.runs[0].run_id).size(), 1u);
  EXPECT_FALSE(s.params(fx.m.runs[0].run_id).empty());

  const auto r1 = s.find_run(fx.m.runs[1].run_id);
  EXPECT_EQ(r1->status, RunStatus::interrupted);
  EXPECT_NE(r1->error.find("no heartbeat since 2026-06-01T11:00:00.000Z"), std::string::npos) << r1->error;
  EXPECT_EQ(s.find_run(fx.m.runs[2].run_id)->status, RunStatus::running);
  EXPECT_EQ(s.find_run(fx.m.runs[3].run_id)->status, RunStatus::failed);
  EXPECT_EQ(s.find_run(fx.m.runs[3].run_id)->error, "loss is nan at step 3");
  EXPECT_EQ(s.find_run(fx.m.runs[4].run_id)->status, RunStatus::queued);
  const auto exp = s.find_experiment("ing");
  ASSERT_TRUE(exp);
  EXPECT_EQ(exp->description, "ingest test");
  EXPECT_EQ(exp->spec_json, R"({"name":"ing"})");
}

TEST(Ingest, ARunTheDatabaseHasDoneStaysDone) {
  Fixture fx;
  const std::string db = fx.dir / "r.db";
  store::Store s = store::Store::open(db);
  s.ensure_experiment("ing");
  store::RunRecord rec;
  rec.id = fx.m.runs[1].run_id;
  rec.experiment = "ing";
  rec.config_json = fx.m.runs[1].config.dump();
  s.upsert_run(rec);
  s.set_status(rec.id, RunStatus::done);
  write_lines(fx.journal(1), {start("2026-06-01T10:00:00.000Z", 21)});
  IngestOptions o;
  o.now = parse_utc_timestamp("2026-06-02T00:00:00.000Z");
  const IngestOutcome out = ingest_manifest(s, fx.dir / "manifest.json", o);
  EXPECT_EQ(s.find_run(rec.id)->status, RunStatus::done);
  ASSERT_FALSE(out.notes.empty());
  EXPECT_NE(out.notes.back().find("kept done"), std::string::npos);
}

}  // namespace
}  // namespace atrous
