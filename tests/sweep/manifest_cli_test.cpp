// A sweep through a manifest, end to end with the binary: array tasks run as plain
// processes (SLURM_ARRAY_TASK_ID set here), one killed with SIGKILL and one
// stopped with SIGUSR1 (Slurm's warning), both run again, then `atrous ingest`;
// the database must hold what a local-backend sweep of the same spec holds.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "../support/cli.hpp"
#include "../support/temp_dir.hpp"
#include "store/database.hpp"
#include "store/store.hpp"
#include "sweep/journal.hpp"
#include "sweep/manifest.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::run_atrous;
using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// Two variants, one seed; `epochs` long (a checkpoint every epoch).
std::string spec_text(int epochs) {
  return fmt::format(
      "name: mc\n"
      "base:\n"
      "  model: {}\n  data: {}\n  train: {}\n"
      "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: 16,\n"
      "        data.val.count: 4, train.epochs: {}, train.batch_size: 4}}\n"
      "variants:\n  dilated: {{}}\n  plain: {{model.rates: [1, 1]}}\n"
      "seeds: [1]\n",
      config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"), epochs);
}

// An array task as Slurm starts it: the index in the environment only.
pid_t start_task(const std::string& manifest, int index, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("SLURM_ARRAY_TASK_ID", std::to_string(index).c_str(), 1);
    if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr)) ::_exit(99);
    ::execl(ATROUS_BINARY, ATROUS_BINARY, "worker", "--manifest", manifest.c_str(), "--threads", "1",
            static_cast<char*>(nullptr));
    ::_exit(98);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Waits until the journal holds an evaluated epoch; false after 120 s.
bool wait_for_epoch(const std::string& journal) {
  for (int i = 0; i < 24000; ++i) {
    for (const auto& e : read_journal(journal).events)
      if (e["event"] == "epoch") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// (run, key, step) -> (epoch, value) of every metric row; and the runs' ids and statuses.
// Values compared as stored (REAL, exactly; NULL for a non-finite value), not as text.
using MetricRows = std::map<std::tuple<std::string, std::string, int64_t>, std::pair<int64_t, Cell>>;
MetricRows metric_rows(const std::string& db_path) {
  auto db = store::Database::open(db_path, store::Database::Mode::read_only);
  auto q = db.prepare("SELECT run_id, key, step, epoch, value FROM metrics");
  MetricRows out;
  while (q.step())
    out[{q.column_text(0), q.column_text(1), q.column_int(2)}] = {q.column_int(3), q.column(4)};
  return out;
}
std::map<std::string, std::string> run_statuses(const std::string& db_path) {
  auto db = store::Database::open(db_path, store::Database::Mode::read_only);
  auto q = db.prepare("SELECT run_id, status || ' ' || config_json FROM runs");
  std::map<std::string, std::string> out;
  while (q.step()) out[q.column_text(0)] = q.column_text(1);
  return out;
}
std::string query_text(const std::string& db_path, const std::string& sql) {
  auto db = store::Database::open(db_path, store::Database::Mode::read_only);
  auto q = db.prepare(sql);
  std::string out;
  while (q.step()) {
    for (int c = 0; c < q.column_count(); ++c) out += q.column_text(c) + "|";
    out += "\n";
  }
  return out;
}

// The same spec through the local backend and through a manifest gives the same
// run ids, statuses, configs, params and metric rows.
void expect_same_results(const std::string& local_db, const std::string& ingested_db) {
  EXPECT_EQ(run_statuses(ingested_db), run_statuses(local_db));
  const MetricRows local = metric_rows(local_db), ingested = metric_rows(ingested_db);
  EXPECT_FALSE(local.empty());
  EXPECT_EQ(ingested.size(), local.size());
  for (const auto& [k, v] : local) {
    const auto it = ingested.find(k);
    if (it == ingested.end()) {
      ADD_FAILURE() << "missing metric row " << std::get<0>(k) << " " << std::get<1>(k) << " " << std::get<2>(k);
      continue;
    }
    EXPECT_TRUE(it->second == v) << std::get<0>(k) << " " << std::get<1>(k) << " step " << std::get<2>(k);
  }
  const std::string params = "SELECT run_id, key, value FROM params ORDER BY 1, 2";
  EXPECT_EQ(query_text(ingested_db, params), query_text(local_db, params));
  const std::string links = "SELECT e.name, l.run_id, l.variant, l.seed, l.grid_json FROM experiment_runs l JOIN "
                            "experiments e USING (experiment_id) ORDER BY 1, 2";
  EXPECT_EQ(query_text(ingested_db, links), query_text(local_db, links));
  const std::string experiment = "SELECT name, description, spec_json FROM experiments";
  EXPECT_EQ(query_text(ingested_db, experiment), query_text(local_db, experiment));
  // Final metrics: every summary but the timings.
  const std::string sums = "SELECT run_id, key, value FROM summaries WHERE key NOT IN ('wall_seconds', "
                           "'train_img_per_s') ORDER BY 1, 2";
  EXPECT_EQ(query_text(ingested_db, sums), query_text(local_db, sums));
  EXPECT_EQ(query_text(ingested_db, "PRAGMA integrity_check"), "ok|\n");
}

TEST(ManifestCli, KilledAndSignalledTasksResumeAndIngestEqualsTheLocalSweep) {
  TempDir dir("manifest_cli");
  const std::string spec = dir.write("mc.yaml", spec_text(6));
  const std::string local_db = dir / "local/r.db";
  const auto local = run_atrous("sweep " + spec + " --jobs 1 --threads 1 --db " + local_db);
  ASSERT_EQ(local.code, 0) << local.out;

  const std::string mdir = dir / "cluster";
  const auto emit = run_atrous("sweep " + spec + " --emit-manifest " + mdir);
  ASSERT_EQ(emit.code, 0) << emit.out;
  EXPECT_NE(emit.out.find("manifest.json: 2 runs, 2 pending: 0-1"), std::string::npos) << emit.out;
  const Manifest m = read_manifest(mdir + "/manifest.json");
  ASSERT_EQ(m.runs.size(), 2u);
  const std::string log = dir / "tasks.log";

  // Task 0: SIGKILL after its first evaluated epoch, then the same task again.
  const std::string run0 = manifest_run_dir(mdir, m.runs[0].run_id);
  pid_t t = start_task(mdir + "/manifest.json", 0, log);
  ASSERT_TRUE(wait_for_epoch(run0 + "/journal.jsonl"));
  ::kill(t, SIGKILL);
  EXPECT_EQ(wait_exit(t), -SIGKILL);
  ASSERT_FALSE(read_done_marker(run0)) << "the run ended before the kill: make it longer";
  // Task 1: SIGUSR1 (checkpoint, journal "interrupted", exit 4, no DONE).
  const std::string run1 = manifest_run_dir(mdir, m.runs[1].run_id);
  t = start_task(mdir + "/manifest.json", 1, log);
  ASSERT_TRUE(wait_for_epoch(run1 + "/journal.jsonl"));
  ::kill(t, SIGUSR1);
  EXPECT_EQ(wait_exit(t), 4) << std::ifstream(log).rdbuf();
  EXPECT_FALSE(read_done_marker(run1));
  const auto events1 = read_journal(run1 + "/journal.jsonl").events;
  ASSERT_FALSE(events1.empty());
  EXPECT_EQ(events1.back()["event"], "status");
  EXPECT_EQ(events1.back()["status"], "interrupted");

  // Both pending; the tasks again: they resume and finish.
  const auto pending = run_atrous("sweep " + spec + " --emit-manifest " + mdir);
  EXPECT_NE(pending.out.find("2 runs, 2 pending: 0-1"), std::string::npos) << pending.out;
  for (int i : {0, 1}) {
    const int code = wait_exit(start_task(mdir + "/manifest.json", i, log));
    EXPECT_EQ(code, 0) << std::ifstream(log).rdbuf();
  }
  EXPECT_EQ(read_done_marker(run0), RunStatus::done);
  EXPECT_EQ(read_done_marker(run1), RunStatus::done);
  std::string text;
  {
    std::ifstream in(log);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(text.find("resum"), std::string::npos) << "the re-run did not resume from a checkpoint:\n" << text;
  const auto none = run_atrous("sweep " + spec + " --emit-manifest " + mdir);
  EXPECT_NE(none.out.find("2 runs, 0 pending: none"), std::string::npos) << none.out;
  // A done index run again does nothing.
  EXPECT_EQ(run_atrous("worker --manifest " + mdir + " --index 0").code, 0);

  const std::string db = dir / "ingested/r.db";
  const auto in1 = run_atrous("ingest " + mdir + " --db " + db);
  ASSERT_EQ(in1.code, 0) << in1.out;
  EXPECT_NE(in1.out.find("2 done"), std::string::npos) << in1.out;
  const std::string all = "SELECT * FROM metrics ORDER BY 1, 2, 3";
  const std::string before = query_text(db, all) + query_text(db, "SELECT * FROM runs") +
                             query_text(db, "SELECT * FROM artifacts ORDER BY 1, 2, 3");
  ASSERT_EQ(run_atrous("ingest " + mdir + " --db " + db).code, 0);
  EXPECT_EQ(query_text(db, all) + query_text(db, "SELECT * FROM runs") +
                query_text(db, "SELECT * FROM artifacts ORDER BY 1, 2, 3"),
            before);
  expect_same_results(local_db, db);
  // The reports read it like a local sweep's.
  EXPECT_EQ(run_atrous("status mc --db " + db).code, 0);
}

TEST(ManifestCli, UsageErrors) {
  TempDir dir("manifest_usage");
  const std::string spec = dir.write("mc.yaml", spec_text(1));
  ASSERT_EQ(run_atrous("sweep " + spec + " --emit-manifest " + (dir / "m")).code, 0);
  const auto no_index = run_atrous("worker --manifest " + (dir / "m"));  // no SLURM_ARRAY_TASK_ID in ctest
  if (!std::getenv("SLURM_ARRAY_TASK_ID")) {
    EXPECT_EQ(no_index.code, 2) << no_index.out;
    EXPECT_NE(no_index.out.find("no --index and no SLURM_ARRAY_TASK_ID"), std::string::npos) << no_index.out;
  }
  const auto outside = run_atrous("worker --manifest " + (dir / "m") + " --index 2");
  EXPECT_EQ(outside.code, 2) << outside.out;
  EXPECT_NE(outside.out.find("index 2 is outside"), std::string::npos) << outside.out;
  EXPECT_NE(outside.out.find("has 2 run(s) (indices 0-1)"), std::string::npos) << outside.out;
  const auto both = run_atrous("worker --manifest " + (dir / "m") + " --run abc");
  EXPECT_EQ(both.code, 2) << both.out;
  const auto missing = run_atrous("ingest " + (dir / "nothing") + " --db " + (dir / "r.db"));
  EXPECT_EQ(missing.code, 2) << missing.out;
  EXPECT_NE(missing.out.find("nothing"), std::string::npos) << missing.out;
}

// A staged variant through a manifest: the child waits for its parent's DONE (exit
// 5, nothing written), then starts from the parent's best checkpoint; a failed
// parent fails the child, as the local backend records it.
TEST(ManifestCli, AStagedRunStartsFromItsParentsCheckpointOnlyOnceTheParentIsDone) {
  TempDir dir("manifest_staged");
  const std::string spec = dir.write(
      "st.yaml", fmt::format("name: st\nbase:\n  model: {}\n  data: {}\n  train: {}\n"
                             "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: 8,\n"
                             "        data.val.count: 2, train.epochs: 1, train.batch_size: 4}}\n"
                             "variants:\n  a: {{}}\n  b: {{needs: a, train.init.from: \"run:a\"}}\nseeds: [1]\n",
                             config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml")));
  const std::string mdir = dir / "m";
  ASSERT_EQ(run_atrous("sweep " + spec + " --emit-manifest " + mdir).code, 0);
  const Manifest m = read_manifest(mdir + "/manifest.json");
  ASSERT_EQ(m.runs.size(), 2u);
  ASSERT_EQ(m.runs[1].needs, m.runs[0].run_id);
  const std::string child = manifest_run_dir(mdir, m.runs[1].run_id);

  const auto early = run_atrous("worker --manifest " + mdir + " --index 1 --threads 1 --wait-parent 0.2");
  EXPECT_EQ(early.code, 5) << early.out;
  EXPECT_NE(early.out.find("needs run " + m.runs[0].run_id + " (a), which has no DONE marker"), std::string::npos)
      << early.out;
  EXPECT_FALSE(fs::exists(child)) << "a run that did not start wrote its folder";

  ASSERT_EQ(run_atrous("worker --manifest " + mdir + " --index 0 --threads 1").code, 0);
  const auto late = run_atrous("worker --manifest " + mdir + " --index 1 --threads 1");
  EXPECT_EQ(late.code, 0) << late.out;
  EXPECT_NE(late.out.find("train.init.from run:" + m.runs[0].run_id + " is \"" +
                          manifest_run_dir(mdir, m.runs[0].run_id) + "/best.safetensors\""),
            std::string::npos)
      << late.out;
  EXPECT_EQ(read_done_marker(child), RunStatus::done);

  // A failed parent: its child is failed without training.
  fs::remove_all(child);
  write_done_marker(manifest_run_dir(mdir, m.runs[0].run_id), RunStatus::failed);
  const auto skipped = run_atrous("worker --manifest " + mdir + " --index 1 --threads 1");
  EXPECT_EQ(skipped.code, 3) << skipped.out;
  EXPECT_EQ(read_done_marker(child), RunStatus::failed);
  const std::string db = dir / "r.db";
  ASSERT_EQ(run_atrous("ingest " + mdir + " --db " + db).code, 0);
  const auto rec = store::Store::open_read_only(db).find_run(m.runs[1].run_id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->status, RunStatus::failed);
  EXPECT_EQ(rec->error.rfind("skipped: its parent a (" + m.runs[0].run_id.substr(0, 12) + ") failed", 0), 0u)
      << rec->error;
}

// experiments/smoke.yaml (2 variants × 2 seeds) both ways, with --pack 2.
TEST(SlowManifestCli, TheSmokeSweepThroughAManifestEqualsTheLocalBackend) {
  TempDir dir("manifest_smoke");
  const std::string spec = std::string(ATROUS_SOURCE_DIR) + "/experiments/smoke.yaml";
  const std::string local_db = dir / "local/r.db";
  const auto local = run_atrous("sweep " + spec + " --jobs 1 --threads 1 --db " + local_db);
  ASSERT_EQ(local.code, 0) << local.out;
  const std::string mdir = dir / "cluster";
  ASSERT_EQ(run_atrous("sweep " + spec + " --emit-manifest " + mdir).code, 0);
  for (int task : {0, 1}) {
    const auto r = run_atrous(fmt::format("worker --manifest {} --index {} --pack 2 --threads 1", mdir, task));
    EXPECT_EQ(r.code, 0) << r.out;
  }
  const std::string db = dir / "ingested/r.db";
  ASSERT_EQ(run_atrous("ingest " + mdir + " --db " + db).code, 0);
  expect_same_results(local_db, db);
}

}  // namespace
}  // namespace atrous
