// Sweep runs over two ranks (train.ranks: 2) under a real mpirun (test names contain "Mpi": ctest label `mpi`,
// skipped, saying why, without mpirun or an MPI build): the local backend starts the worker under
// `mpirun -np 2`, the manifest worker runs under it too, and in both only rank 0 records the run — one claim,
// one journal session, one DONE — while both ranks train. A two-rank run killed with its sweep (SIGKILL), or
// stopped with it (SIGINT), resumes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "atrous_paths.hpp"
#include "store/store.hpp"
#include "support/cli.hpp"
#include "support/kill_sweep.hpp"
#include "support/temp_dir.hpp"
#include "sweep/journal.hpp"
#include "sweep/manifest.hpp"
#include "sweep/slurm_cli.hpp"
#include "train/collective.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string missing_mpi() {
  if (!Collective::built_with_mpi()) return "atrous was built without MPI (ATROUS_MPI=OFF or no libopenmpi-dev)";
  if (!find_on_path("mpirun")) return "mpirun is not on the PATH (openmpi-bin)";
  return "";
}

// One variant over two ranks with synchronised batch norm, one seed, tiny shapes: seconds per run.
std::string write_spec(const TempDir& dir, int epochs = 2) {
  const std::string src = ATROUS_SOURCE_DIR;
  return dir.write("ranks.yaml", fmt::format(R"(name: ranks
base:
  model: {0}/configs/models/dilated.yaml
  data: {0}/configs/data/shapes.yaml
  train: {0}/configs/train/quick.yaml
  set:
    model.width: 4
    model.rates: [1, 2]
    data.image_size: 32
    data.train.count: 16
    data.val.count: 4
    data.train.size: [6, 16]
    data.val.size: [6, 16]
    train.epochs: {1}
    train.batch_size: 4
    train.sync_bn: true
variants:
  two: {{train.ranks: 2}}
seeds: [1]
)",
                                             src, epochs));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SweepRanksMpi, LocalSweepStartsTheRunUnderMpirunAndRankZeroAloneRecordsIt) {
  if (const std::string why = missing_mpi(); !why.empty()) GTEST_SKIP() << why;
  TempDir dir("sweep_ranks");
  const std::string db = dir / "atrous.db";
  const auto r = testing::run_atrous("sweep " + write_spec(dir) + " --threads 2 --db " + db);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("2 ranks × 1 threads"), std::string::npos) << r.out;
  store::Store s = store::Store::open_read_only(db);
  const auto runs = s.runs("ranks");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, store::RunStatus::done) << runs[0].error;
  const std::string run_dir = dir / ("runs/" + runs[0].id);
  // Both ranks trained (their worker lines in the log), rank 0 alone claimed and recorded: a second claim would
  // have failed that rank (exit 5) and left rank 0 waiting in its first allreduce.
  const std::string log = read_file(run_dir + "/worker.log");
  size_t done_lines = 0;
  for (size_t at = log.find("run " + runs[0].id + ": done"); at != std::string::npos;
       at = log.find("run " + runs[0].id + ": done", at + 1))
    ++done_lines;
  EXPECT_EQ(done_lines, 2u) << log;
  EXPECT_NE(read_file(run_dir + "/train.log").find("data-parallel over 2 ranks (synchronised batch norm)"),
            std::string::npos);
  EXPECT_EQ(s.metrics(runs[0].id, "train.loss").size(), 2u) << "one row per epoch, written once";
  EXPECT_EQ(nlohmann::json::parse(runs[0].config_json)["train"]["ranks"], 2);
}

TEST(SweepRanksMpi, ManifestWorkerUnderMpirunWritesOneJournalSessionAndOneDone) {
  if (const std::string why = missing_mpi(); !why.empty()) GTEST_SKIP() << why;
  TempDir dir("manifest_ranks");
  const std::string manifest = dir / "m";
  ASSERT_EQ(testing::run_atrous("sweep " + write_spec(dir) + " --emit-manifest " + manifest + " --db " +
                                (dir / "none.db"))
                .code,
            0);
  const Manifest m = read_manifest(manifest + "/manifest.json");
  ASSERT_EQ(m.runs.size(), 1u);
  EXPECT_EQ(m.runs[0].ranks, 2);
  const ProgramResult r = run_program({"env", "OMP_NUM_THREADS=1", "mpirun", "-np", "2", "--oversubscribe",
                                       "--allow-run-as-root", ATROUS_BINARY, "worker", "--manifest", manifest,
                                       "--index", "0", "--threads", "1", "--heartbeat", "0.2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string run_dir = manifest_run_dir(manifest, m.runs[0].run_id);
  EXPECT_EQ(read_done_marker(run_dir), RunStatus::done);
  // Rank 1 never wrote: one session (one start, one status), heartbeats from rank 0's process only.
  const JournalRead journal = read_journal(run_dir + "/journal.jsonl");
  int starts = 0, statuses = 0, epochs = 0;
  for (const auto& e : journal.events) {
    const std::string kind = e.value("event", "");
    starts += kind == "start";
    statuses += kind == "status";
    epochs += kind == "epoch";
  }
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(statuses, 1);
  EXPECT_EQ(epochs, 2);
  EXPECT_TRUE(journal.skipped.empty());
  // Run again: DONE, so neither rank trains, and both exit 0 at rank 0's word.
  const ProgramResult again = run_program({"env", "OMP_NUM_THREADS=1", "mpirun", "-np", "2", "--oversubscribe",
                                           "--allow-run-as-root", ATROUS_BINARY, "worker", "--manifest", manifest,
                                           "--index", "0", "--threads", "1"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.err.find("not run again"), std::string::npos) << again.err;
}

TEST(SlowSweepRanksMpi, ATwoRankRunKilledWithItsSweepResumes) {
  if (const std::string why = missing_mpi(); !why.empty()) GTEST_SKIP() << why;
  TempDir dir("sweep_ranks_kill");
  const std::string db = dir / "atrous.db", spec = write_spec(dir, 4);
  const bool caught = testing::sigkill_sweep_when(
      spec, db, dir / "killed.log", "ranks",
      [](store::Store& s, const store::RunRecord& r) {
        return r.status == store::RunStatus::running && !s.metrics(r.id, "train.loss").empty();
      },
      std::chrono::seconds(120));
  ASSERT_TRUE(caught) << read_file(dir / "killed.log");
  const auto r = testing::run_atrous("sweep " + spec + " --threads 2 --db " + db);
  ASSERT_EQ(r.code, 0) << r.out;
  store::Store s = store::Store::open_read_only(db);
  const auto runs = s.runs("ranks");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, store::RunStatus::done) << runs[0].error;
  const auto losses = s.metrics(runs[0].id, "train.loss");
  ASSERT_EQ(losses.size(), 4u) << "one row per epoch, none twice";
  const std::string log = read_file(dir / ("runs/" + runs[0].id + "/train.log"));
  EXPECT_NE(log.find("resumed at step"), std::string::npos) << log;
}

TEST(SlowSweepRanksMpi, AStoppedSweepCheckpointsItsTwoRankRunWhichResumes) {
  if (const std::string why = missing_mpi(); !why.empty()) GTEST_SKIP() << why;
  TempDir dir("sweep_ranks_stop");
  // Long enough that the run cannot finish before the stop reaches both ranks: with 30 epochs a fresh,
  // idle machine finished the run before the SIGINT took effect (fresh-root); the resumed sweep then runs the rest.
  constexpr int kEpochs = 600;
  const std::string db = dir / "atrous.db", spec = write_spec(dir, kEpochs);
  // SIGINT to the sweep once an epoch is logged: mpirun passes the sweep's SIGTERM on to both ranks, which
  // finish their step together, checkpoint, and rank 0 records the run interrupted.
  const ProgramResult stopped = run_program(
      {"bash", "-c",
       std::string(ATROUS_BINARY) + " sweep '" + spec + "' --threads 2 --db '" + db + "' & sweep=$!\n"
       "for _ in $(seq 1200); do [[ -s $(ls '" + dir.path() + "'/runs/*/metrics.jsonl 2>/dev/null | head -n1) ]] "
       "&& break; sleep 0.05; done\n"
       "kill -INT $sweep; wait $sweep; echo \"sweep exit $?\"\n"});
  EXPECT_NE(stopped.out.find("sweep exit 1"), std::string::npos) << stopped.out << stopped.err;
  std::string id;
  {
    store::Store s = store::Store::open_read_only(db);
    const auto runs = s.runs("ranks");
    ASSERT_EQ(runs.size(), 1u);
    id = runs[0].id;
    EXPECT_EQ(runs[0].status, store::RunStatus::interrupted) << runs[0].error << stopped.err;
  }
  const auto r = testing::run_atrous("sweep " + spec + " --threads 2 --db " + db);
  ASSERT_EQ(r.code, 0) << r.out;
  store::Store s = store::Store::open_read_only(db);
  EXPECT_EQ(s.find_run(id)->status, store::RunStatus::done);
  EXPECT_EQ(s.metrics(id, "train.loss").size(), static_cast<size_t>(kEpochs));
  EXPECT_NE(read_file(dir / ("runs/" + id + "/train.log")).find("resumed at step"), std::string::npos);
}

}  // namespace
}  // namespace atrous
