// The generated sbatch scripts on a real single-node Slurm (scripts/slurm-local), with a fake `atrous` whose
// worker records what it ran: arrays split at a small MaxArraySize, an array task that gets USR1 in its
// worker (as --signal=B:USR1 sends it before the time limit), requeues itself and finishes on its second
// start, and the ingest job that runs only after every task ended. Skipped where Slurm is not installed
// (scripts/bootstrap installs it, so CI runs it).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR
#include "support/temp_dir.hpp"
#include "sweep/shell_quote.hpp"
#include "sweep/slurm_cli.hpp"
#include "sweep/slurm_script.hpp"

namespace atrous {
namespace {

using testing::TempDir;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(SlowSlurmLocal, GeneratedArraysRunSplitRequeueAndIngestOnARealSlurm) {
  TempDir tmp("slurm_local");
  const std::string dir = tmp / "shared sweep";  // a space: every path in the scripts must be quoted
  const std::string calls = dir + "/calls";
  const std::string atrous = tmp.write("shared sweep/bin/atrous", R"(#!/bin/bash
# fake atrous: worker --manifest M --index I --threads T | ingest DIR --db DB | report EXP --db DB
calls=")" + calls + R"("
if [[ $1 == worker ]]; then
  index=$5
  echo "start $index restart=${SLURM_RESTART_COUNT:-0} threads=$7" >>"$calls"
  if [[ $index == 5 && ! -f "$calls.usr1" ]]; then
    trap 'touch "$calls.usr1"; echo "usr1 $index" >>"$calls"; exit 4' USR1
    touch "$calls.waiting"
    for _ in $(seq 1200); do sleep 0.05; done
    exit 1
  fi
  echo "done $index" >>"$calls"
  exit 0
fi
echo "$1 $2" >>"$calls"
)");
  ::chmod(atrous.c_str(), 0755);

  SlurmScriptOptions o;
  o.manifest = dir + "/manifest.json";
  o.pending = {0, 1, 2, 5, 6};
  o.experiment = "slurmtest";
  o.db = dir + "/atrous.db";
  o.log_dir = dir + "/logs";
  o.atrous = atrous;
  o.max_parallel = 2;
  o.max_array_size = 4;  // the cluster's too (below): indices 5 and 6 must go in a second array as 1 and 2
  o.time = "10";
  const SlurmScripts s = write_slurm_scripts(o);
  ASSERT_EQ(s.arrays.size(), 2u);
  for (const auto& a : s.arrays) tmp.write("shared sweep/slurm/" + a.file_name, a.text);
  tmp.write("shared sweep/slurm/ingest.sh", s.ingest);
  const std::string submit = tmp.write("shared sweep/slurm/submit.sh", s.submit);
  std::filesystem::create_directories(o.log_dir);

  // Submits, sends USR1 to the batch shell of index 5 (array-1's task 1) once its worker waits, waits for the
  // queue to empty (slurm-local lets a requeued job start again after 10 s, not Slurm's default 120 s).
  const std::string q = shell_quote(calls);
  const std::string drive = tmp.write("drive.sh", "set -eu\n"
      "out=$(bash " + shell_quote(submit) + ")\necho \"$out\"\n"
      "second=$(sed -n 's/^submitted array job \\([0-9]*\\) (array-1.sh.*/\\1/p' <<<\"$out\")\n"
      "for _ in $(seq 600); do [[ -f " + q + ".waiting ]] && break; sleep 0.1; done\n"
      "scancel --batch --signal=USR1 \"${second}_1\"\n"

      "for _ in $(seq 600); do [[ -z $(squeue -h -o %i) ]] && break; sleep 0.5; done\n"
      "cp \"$(dirname \"$SLURM_CONF\")/log/slurmctld.log\" " + shell_quote(tmp / "slurmctld.log") + "\n"
      "[[ -z $(squeue -h -o %i) ]] || { echo 'jobs still queued after 300 s' >&2; squeue >&2; exit 1; }\n");

  const ProgramResult r = run_program({"env", "SLURM_LOCAL_MAX_ARRAY_SIZE=4", std::string(ATROUS_SOURCE_DIR) + "/scripts/slurm-local",
                                       "bash", drive});
  if (r.exit_code == 77) GTEST_SKIP() << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("submitted ingest job"), std::string::npos) << r.out;

  const std::vector<std::string> got = lines_of(read_file(calls));
  // On failure: what the workers recorded, what the tasks logged and what slurmctld decided.
  std::string diagnostics = "calls:\n" + read_file(calls) + "slurm-local:\n" + r.out + r.err;
  for (const auto& e : std::filesystem::directory_iterator(o.log_dir))
    diagnostics += e.path().filename().string() + ":\n" + read_file(e.path().string());
  diagnostics += "slurmctld.log:\n" + read_file(tmp / "slurmctld.log");
  const auto count = [&](const std::string& line) { return std::count(got.begin(), got.end(), line); };
  for (const int i : {0, 1, 2, 5, 6}) EXPECT_EQ(count("done " + std::to_string(i)), 1) << diagnostics;
  EXPECT_EQ(count("usr1 5"), 1) << diagnostics;
  EXPECT_EQ(count("start 5 restart=0 threads=1"), 1) << diagnostics;
  EXPECT_EQ(count("start 5 restart=1 threads=1"), 1) << diagnostics;  // its requeued second start
  ASSERT_GE(got.size(), 2u);
  // The ingest job ran once, after every task, then the report.
  EXPECT_EQ(got[got.size() - 2], "ingest " + dir) << diagnostics;
  EXPECT_EQ(got.back(), "report slurmtest") << diagnostics;
}

}  // namespace
}  // namespace atrous
