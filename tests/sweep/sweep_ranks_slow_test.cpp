// A one-variant × one-seed sweep whose run trains over two ranks (train.ranks: 2), end to end: (a) the local
// backend (the worker under mpirun) and (b) a job array on the real single-node Slurm of scripts/slurm-local
// (the worker an `srun --mpi=pmix` step of two tasks, then the ingest job). Both must end done in their
// database with the metrics of `mpirun -np 2 atrous train` of the same run. Skipped without MPI (build or
// mpirun); part (b) also where slurm-local skips (no Slurm, no cgroup filesystem, no root). And a two-rank
// task warned by USR1 requeues itself and resumes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "atrous_paths.hpp"
#include "store/store.hpp"
#include "support/cli.hpp"
#include "support/temp_dir.hpp"
#include "sweep/journal.hpp"
#include "sweep/manifest.hpp"
#include "sweep/shell_quote.hpp"
#include "sweep/slurm_cli.hpp"
#include "train/collective.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

const std::vector<std::string> kSettings = {
    "model.width=4",          "model.rates=[1, 2]",      "data.image_size=32",     "data.train.count=16",
    "data.val.count=4",       "data.train.size=[6, 16]", "data.val.size=[6, 16]",  "train.epochs=2",
    "train.batch_size=4",     "train.sync_bn=true"};

std::string write_spec(const TempDir& dir) {
  const std::string src = ATROUS_SOURCE_DIR;
  std::string set;
  for (const auto& s : kSettings) set += "    " + s.substr(0, s.find('=')) + ": " + s.substr(s.find('=') + 1) + "\n";
  return dir.write("ranks.yaml", fmt::format("name: ranks\nbase:\n  model: {0}/configs/models/dilated.yaml\n"
                                             "  data: {0}/configs/data/shapes.yaml\n"
                                             "  train: {0}/configs/train/quick.yaml\n  set:\n{1}"
                                             "variants:\n  two: {{train.ranks: 2}}\nseeds: [1]\n",
                                             src, set));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct EpochMetrics {
  int64_t epoch;
  double loss, miou;
};

// The reference: `mpirun -np 2 atrous train` of the sweep's run, per epoch from its metrics.jsonl.
std::vector<EpochMetrics> reference_run(const TempDir& dir, std::string& run_hash) {
  const std::string src = ATROUS_SOURCE_DIR, out = dir / "reference";
  std::vector<std::string> argv = {"env", "OMP_NUM_THREADS=1", "mpirun", "-np", "2", "--oversubscribe",
                                   "--bind-to", "none", "--allow-run-as-root", ATROUS_BINARY, "train",
                                   "--model", src + "/configs/models/dilated.yaml", "--data",
                                   src + "/configs/data/shapes.yaml", "--train", src + "/configs/train/quick.yaml"};
  for (const auto& s : kSettings) argv.insert(argv.end(), {"--set", s});
  argv.insert(argv.end(), {"--set", "train.ranks=2", "--set", "train.seed=1", "--threads", "1", "--progress", "none",
                           "--format", "json", "--out", out});
  const ProgramResult r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  run_hash = j.is_object() ? j.value("run_hash", "") : "";
  std::vector<EpochMetrics> out_metrics;
  std::istringstream lines(read_file(out + "/metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const auto rec = nlohmann::json::parse(line);
    out_metrics.push_back({rec["epoch"].get<int64_t>(), rec["train"]["loss"].get<double>(),
                           rec["val"]["miou"].get<double>()});
  }
  return out_metrics;
}

// The run's metric rows in `db` against the reference; returns the largest difference seen.
double expect_same_metrics(const std::string& db, const std::string& run_id, const std::vector<EpochMetrics>& want,
                           const std::string& what) {
  store::Store s = store::Store::open_read_only(db);
  const auto run = s.find_run(run_id);
  EXPECT_TRUE(run.has_value()) << what;
  if (!run) return NAN;
  EXPECT_EQ(run->status, store::RunStatus::done) << what << ": " << run->error;
  const auto loss = s.metrics(run_id, "train.loss"), miou = s.metrics(run_id, "val.miou");
  EXPECT_EQ(loss.size(), want.size()) << what;
  EXPECT_EQ(miou.size(), want.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < std::min({loss.size(), miou.size(), want.size()}); ++i) {
    EXPECT_EQ(loss[i].epoch, want[i].epoch) << what;
    // The same config, ranks, threads and global batch: the same sums in the same order. Measured equal to the
    // last bit here; the bound leaves room for a reduction order that differs between MPI transports.
    EXPECT_NEAR(loss[i].value, want[i].loss, 1e-6 * std::max(1.0, std::abs(want[i].loss))) << what << " epoch " << i;
    EXPECT_NEAR(miou[i].value, want[i].miou, 1e-6) << what << " epoch " << i;
    worst = std::max({worst, std::abs(loss[i].value - want[i].loss), std::abs(miou[i].value - want[i].miou)});
  }
  return worst;
}

TEST(SlowSweepRanksMpi, LocalAndSlurmSweepsEndWithTheMetricsOfAnMpirunTrain) {
  if (!Collective::built_with_mpi()) GTEST_SKIP() << "atrous was built without MPI";
  if (!find_on_path("mpirun")) GTEST_SKIP() << "mpirun is not on the PATH (openmpi-bin)";
  TempDir dir("sweep_ranks_slow");
  const std::string spec = write_spec(dir);
  std::string reference_hash;
  const auto want = reference_run(dir, reference_hash);
  ASSERT_EQ(want.size(), 2u);

  // (a) the local backend.
  const std::string local_db = dir / "local/atrous.db";
  const auto local = testing::run_atrous("sweep " + spec + " --threads 2 --db " + local_db);
  ASSERT_EQ(local.code, 0) << local.out;
  std::string run_id;
  {
    store::Store s = store::Store::open_read_only(local_db);
    ASSERT_EQ(s.runs("ranks").size(), 1u);
    run_id = s.runs("ranks")[0].id;
  }
  EXPECT_EQ(run_id, reference_hash) << "the sweep's run is the reference's configuration";
  const double local_diff = expect_same_metrics(local_db, run_id, want, "local backend");

  // (b) Slurm: submit, look at `atrous status` while the array runs, wait for the ingest job.
  const std::string manifest = dir / "slurm", slurm_db = dir / "slurm-results/atrous.db";
  const std::string status_file = dir / "status.txt";
  const std::string drive = dir.write(
      "drive.sh", "set -eu\n"
                  "atrous=" + shell_quote(ATROUS_BINARY) + "\n"
                  "out=$(\"$atrous\" sweep " + shell_quote(spec) + " --backend slurm --emit-manifest " +
                      shell_quote(manifest) + " --db " + shell_quote(slurm_db) +
                      " --time 10 --cpus-per-task 1 --submit)\n"
                  "echo \"$out\"\n"
                  "\"$atrous\" status ranks --manifest " + shell_quote(manifest) + " --db " + shell_quote(slurm_db) +
                      " > " + shell_quote(status_file) + "\n"
                  "for _ in $(seq 600); do [[ -z $(squeue -h -o %i) ]] && break; sleep 0.5; done\n"
                  "[[ -z $(squeue -h -o %i) ]] || { echo 'jobs still queued after 300 s' >&2; squeue >&2; exit 1; }\n");
  const ProgramResult r = run_program({std::string(ATROUS_SOURCE_DIR) + "/scripts/slurm-local", "bash", drive});
  if (r.exit_code == 77) GTEST_SKIP() << "(a) passed, max |difference| " << local_diff << "; (b) skipped: " << r.err;
  std::string logs;
  if (fs::exists(manifest + "/slurm/logs"))
    for (const auto& e : fs::directory_iterator(manifest + "/slurm/logs"))
      logs += e.path().filename().string() + ":\n" + read_file(e.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << logs;
  EXPECT_NE(r.out.find("of 2 ranks"), std::string::npos) << r.out;
  const std::string status = read_file(status_file);
  EXPECT_NE(status.find("slurm"), std::string::npos) << status;
  EXPECT_TRUE(status.find("PENDING (") != std::string::npos || status.find("RUNNING (") != std::string::npos)
      << status;
  const double slurm_diff = expect_same_metrics(slurm_db, run_id, want, "Slurm array + srun") ;
  // One journal session: rank 1 wrote nothing.
  int starts = 0;
  for (const auto& e : read_journal(manifest_run_dir(manifest, run_id) + "/journal.jsonl").events)
    starts += e.value("event", "") == "start";
  EXPECT_EQ(starts, 1) << logs;
  std::cout << "[ measured ] max |difference| from the mpirun train: local " << local_diff << ", Slurm " << slurm_diff
            << "\n";
}

// Slurm's warning before a time limit (USR1 to the batch shell, here from scancel) reaches both ranks through
// srun; they checkpoint after the same step, the task requeues itself, and its next start resumes the run.
TEST(SlowSweepRanksMpi, Usr1RequeuesATwoRankSlurmTaskWhichResumes) {
  if (!Collective::built_with_mpi()) GTEST_SKIP() << "atrous was built without MPI";
  TempDir dir("sweep_ranks_usr1");
  std::string text = read_file(write_spec(dir));
  text.replace(text.find("train.epochs: 2"), std::string("train.epochs: 2").size(), "train.epochs: 30");
  const std::string spec = dir.write("ranks.yaml", text), manifest = dir / "slurm", db = dir / "results/atrous.db";
  const std::string drive = dir.write(
      "drive.sh", "set -eu\n"
                  "out=$(" + shell_quote(ATROUS_BINARY) + " sweep " + shell_quote(spec) +
                      " --backend slurm --emit-manifest " + shell_quote(manifest) + " --db " + shell_quote(db) +
                      " --time 10 --submit)\n"
                  "echo \"$out\"\n"
                  "job=$(sed -n 's/^submitted array job \\([0-9]*\\).*/\\1/p' <<<\"$out\")\n"
                  "for _ in $(seq 1200); do [[ -s $(ls " + shell_quote(manifest) +
                      "/runs/*/metrics.jsonl 2>/dev/null | head -n1) ]] && break; sleep 0.1; done\n"
                  "scancel --batch --signal=USR1 \"${job}_0\"\n"
                  "for _ in $(seq 600); do [[ -z $(squeue -h -o %i) ]] && break; sleep 0.5; done\n"
                  "[[ -z $(squeue -h -o %i) ]] || { echo 'jobs still queued after 300 s' >&2; squeue >&2; exit 1; }\n");
  const ProgramResult r = run_program({std::string(ATROUS_SOURCE_DIR) + "/scripts/slurm-local", "bash", drive});
  if (r.exit_code == 77) GTEST_SKIP() << r.err;
  std::string logs;
  if (fs::exists(manifest + "/slurm/logs"))
    for (const auto& e : fs::directory_iterator(manifest + "/slurm/logs"))
      logs += e.path().filename().string() + ":\n" + read_file(e.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << logs;
  store::Store s = store::Store::open_read_only(db);
  const auto runs = s.runs("ranks");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, store::RunStatus::done) << runs[0].error << logs;
  EXPECT_EQ(s.metrics(runs[0].id, "train.loss").size(), 30u) << "every epoch once";
  // Two sessions, each written by rank 0 alone: interrupted by the warning, then done.
  std::vector<std::string> sessions;
  for (const auto& e : read_journal(manifest_run_dir(manifest, runs[0].id) + "/journal.jsonl").events)
    if (e.value("event", "") == "status") sessions.push_back(e.value("status", ""));
  EXPECT_EQ(sessions, (std::vector<std::string>{"interrupted", "done"})) << logs;
  EXPECT_NE(logs.find("requeueing"), std::string::npos) << logs;
  EXPECT_NE(read_file(manifest_run_dir(manifest, runs[0].id) + "/train.log").find("resumed at step"),
            std::string::npos);
}

}  // namespace
}  // namespace atrous
