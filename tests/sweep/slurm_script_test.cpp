// The sbatch scripts of `atrous sweep --backend slurm`: their directives (array lists, splitting at
// MaxArraySize, packing, quoting) read as text, and the array script's shell run by bash with the Slurm
// environment of a task, a fake `atrous` and a fake `scontrol` (signal forwarding, requeue, exit codes).
#include "sweep/slurm_script.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "support/temp_dir.hpp"
#include "sweep/shell_quote.hpp"
#include "sweep/slurm_cli.hpp"

namespace atrous {
namespace {

using testing::TempDir;

SlurmScriptOptions base_options() {
  SlurmScriptOptions o;
  o.manifest = "/shared/sweep/manifest.json";
  o.experiment = "ablation";
  o.db = "/local/results/atrous.db";
  o.log_dir = "/shared/sweep/logs";
  o.atrous = "/opt/atrous/bin/atrous";
  return o;
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string make_executable(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.write(name, text);
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(SlurmScript, CompressesIndexListsIntoRanges) {
  EXPECT_EQ(compress_indices({}), "");
  EXPECT_EQ(compress_indices({4}), "4");
  EXPECT_EQ(compress_indices({3, 1, 2, 7, 9, 11, 10, 5, 2}), "1-3,5,7,9-11");
  EXPECT_EQ(compress_indices({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(compress_indices({0, 2, 4}), "0,2,4");
}

TEST(SlurmScript, ParsesSlurmTimeLimits) {
  EXPECT_EQ(parse_slurm_time("90"), 90 * 60);
  EXPECT_EQ(parse_slurm_time("5:30"), 5 * 60 + 30);
  EXPECT_EQ(parse_slurm_time("4:00:00"), 4 * 3600);
  EXPECT_EQ(parse_slurm_time("2-0"), 2 * 86400);
  EXPECT_EQ(parse_slurm_time("1-12:30"), 86400 + 12 * 3600 + 30 * 60);
  EXPECT_EQ(parse_slurm_time("1-00:00:10"), 86400 + 10);
  for (const char* bad : {"", "0", "abc", "1:2:3:4", "-5", "1-", "4h", "1:-2", " 5", "0:00"}) {
    try {
      parse_slurm_time(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(std::string(e.what()).find("--time"), std::string::npos) << e.what();
    }
  }
}

TEST(SlurmScript, OneArrayHoldsOnlyThePendingIndices) {
  SlurmScriptOptions o = base_options();
  o.pending = {5, 0, 1, 2, 3, 9};
  o.partition = "gpu";
  o.time = "4:00:00";
  o.cpus_per_task = 4;
  o.max_parallel = 2;
  const SlurmScripts s = write_slurm_scripts(o);
  ASSERT_EQ(s.arrays.size(), 1u);
  const std::string& t = s.arrays[0].text;
  EXPECT_EQ(s.arrays[0].file_name, "array-0.sh");
  EXPECT_EQ(s.arrays[0].runs, 6);
  EXPECT_EQ(s.arrays[0].tasks, 6);
  EXPECT_EQ(t.rfind("#!/usr/bin/env bash\n", 0), 0u);
  EXPECT_EQ(lines_starting(t, "#SBATCH --array="), std::vector<std::string>{"#SBATCH --array=0-3,5,9%2"});
  for (const char* line : {"#SBATCH --requeue", "#SBATCH --signal=B:USR1@120", "#SBATCH --cpus-per-task=4",
                           "#SBATCH --time=4:00:00", "#SBATCH --partition=gpu",
                           "#SBATCH --output=/shared/sweep/logs/%A_%a.out",
                           "#SBATCH --error=/shared/sweep/logs/%A_%a.err", "base=0",
                           "indices=($((base + SLURM_ARRAY_TASK_ID)))", "manifest=/shared/sweep/manifest.json",
                           "atrous=/opt/atrous/bin/atrous"})
    EXPECT_EQ(lines_starting(t, line).size(), 1u) << line << "\n" << t;
  EXPECT_NE(t.find("\"$atrous\" worker --manifest \"$manifest\" --index \"$1\" --threads \"${SLURM_CPUS_PER_TASK:-1}\""),
            std::string::npos);
  // Every #SBATCH line comes before the first command: sbatch stops reading them there.
  const auto first_command = t.find("\nset -u");
  EXPECT_GT(first_command, t.rfind("#SBATCH"));
}

TEST(SlurmScript, NoLimitsMeansNoDirectives) {
  SlurmScriptOptions o = base_options();
  o.pending = {0, 1};
  const std::string t = write_slurm_scripts(o).arrays.at(0).text;
  EXPECT_EQ(lines_starting(t, "#SBATCH --array="), std::vector<std::string>{"#SBATCH --array=0-1"});
  EXPECT_TRUE(lines_starting(t, "#SBATCH --partition").empty());
  EXPECT_TRUE(lines_starting(t, "#SBATCH --time").empty());
}

TEST(SlurmScript, SignalLeadIsAtMostHalfTheTimeLimit) {
  SlurmScriptOptions o = base_options();
  o.pending = {0};
  o.time = "3";  // 180 s: the default 120 s warning would leave 60 s of work
  EXPECT_EQ(lines_starting(write_slurm_scripts(o).arrays[0].text, "#SBATCH --signal=").at(0),
            "#SBATCH --signal=B:USR1@90");
  o.time = "1-0";
  EXPECT_EQ(lines_starting(write_slurm_scripts(o).arrays[0].text, "#SBATCH --signal=").at(0),
            "#SBATCH --signal=B:USR1@120");
}

TEST(SlurmScript, SplitsArraysAtMaxArraySizeWithOffsets) {
  SlurmScriptOptions o = base_options();
  o.max_array_size = 4;
  o.max_parallel = 3;
  o.pending = {0, 1, 5, 6, 7, 9, 13};
  const SlurmScripts s = write_slurm_scripts(o);
  ASSERT_EQ(s.arrays.size(), 4u);  // blocks 0-3, 4-7, 8-11, 12-15
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"#SBATCH --array=0-1%3", "base=0"},
      {"#SBATCH --array=1-3%3", "base=4"},
      {"#SBATCH --array=1%3", "base=8"},
      {"#SBATCH --array=1%3", "base=12"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(s.arrays[i].file_name, "array-" + std::to_string(i) + ".sh");
    EXPECT_EQ(lines_starting(s.arrays[i].text, "#SBATCH --array=").at(0), expected[i].first);
    EXPECT_EQ(lines_starting(s.arrays[i].text, "base=").at(0), expected[i].second);
  }
  // Every task id is below MaxArraySize, whatever the manifest index.
  o.max_array_size = 1001;
  o.pending = {1000, 1001, 2500};
  const SlurmScripts big = write_slurm_scripts(o);
  ASSERT_EQ(big.arrays.size(), 3u);
  EXPECT_EQ(lines_starting(big.arrays[1].text, "#SBATCH --array=").at(0), "#SBATCH --array=0%3");
  EXPECT_EQ(lines_starting(big.arrays[1].text, "base=").at(0), "base=1001");
  EXPECT_EQ(lines_starting(big.arrays[2].text, "#SBATCH --array=").at(0), "#SBATCH --array=498%3");
}

TEST(SlurmScript, PacksSeveralRunsPerTask) {
  SlurmScriptOptions o = base_options();
  o.pack = 3;
  o.pending = {9, 0, 2, 4, 5, 6, 8};
  SlurmScripts s = write_slurm_scripts(o);
  ASSERT_EQ(s.arrays.size(), 1u);
  EXPECT_EQ(s.arrays[0].tasks, 3);
  EXPECT_EQ(s.arrays[0].runs, 7);
  EXPECT_EQ(lines_starting(s.arrays[0].text, "#SBATCH --array=").at(0), "#SBATCH --array=0-2");
  EXPECT_EQ(lines_starting(s.arrays[0].text, "runs=").at(0), "runs=(0 2 4 5 6 8 9)");
  EXPECT_EQ(lines_starting(s.arrays[0].text, "indices=").at(0),
            "indices=(\"${runs[@]:$((SLURM_ARRAY_TASK_ID * 3)):3}\")");
  // At most MaxArraySize tasks per script: 2 tasks × 3 runs.
  o.max_array_size = 2;
  s = write_slurm_scripts(o);
  ASSERT_EQ(s.arrays.size(), 2u);
  EXPECT_EQ(lines_starting(s.arrays[0].text, "runs=").at(0), "runs=(0 2 4 5 6 8)");
  EXPECT_EQ(lines_starting(s.arrays[1].text, "runs=").at(0), "runs=(9)");
  EXPECT_EQ(lines_starting(s.arrays[1].text, "#SBATCH --array=").at(0), "#SBATCH --array=0");
}

TEST(SlurmScript, NothingPendingWritesNoArray) {
  SlurmScriptOptions o = base_options();
  const SlurmScripts s = write_slurm_scripts(o);
  EXPECT_TRUE(s.arrays.empty());
  EXPECT_NE(s.submit.find("nothing pending"), std::string::npos);
  EXPECT_EQ(s.submit.find("sbatch"), std::string::npos);
}

TEST(SlurmScript, QuotesPathsAndEscapesPercentInLogPatterns) {
  SlurmScriptOptions o = base_options();
  o.pending = {0};
  o.log_dir = "/shared/my sweep/it's 100%";
  o.manifest = "/shared/my sweep/$HOME/manifest.json";
  o.atrous = "/opt/at rous/atrous";
  o.db = "/local/a b.db";
  o.experiment = "abl'1";
  o.report_output = "/r/out put.md";
  const SlurmScripts s = write_slurm_scripts(o);
  const std::string& t = s.arrays[0].text;
  EXPECT_EQ(lines_starting(t, "#SBATCH --output=").at(0), "#SBATCH --output='/shared/my sweep/it'\\''s 100%%/%A_%a.out'");
  EXPECT_EQ(lines_starting(t, "manifest=").at(0), "manifest='/shared/my sweep/$HOME/manifest.json'");
  EXPECT_EQ(lines_starting(t, "atrous=").at(0), "atrous='/opt/at rous/atrous'");
  EXPECT_EQ(lines_starting(s.ingest, "'/opt/at rous/atrous' ingest").at(0),
            "'/opt/at rous/atrous' ingest '/shared/my sweep/$HOME' --db '/local/a b.db'");
  EXPECT_EQ(lines_starting(s.ingest, "'/opt/at rous/atrous' report").at(0),
            "'/opt/at rous/atrous' report 'abl'\\''1' --db '/local/a b.db' -o '/r/out put.md'");
  EXPECT_EQ(lines_starting(s.ingest, "#SBATCH --output=").at(0),
            "#SBATCH --output='/shared/my sweep/it'\\''s 100%%/ingest-%j.out'");
}

TEST(SlurmScript, RefusesWhatItCannotWrite) {
  const auto refused = [](SlurmScriptOptions o, const std::string& mentions) {
    o.pending = {0};
    try {
      write_slurm_scripts(o);
      ADD_FAILURE() << "accepted; expected an error mentioning " << mentions;
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
    }
  };
  SlurmScriptOptions o = base_options();
  o.log_dir = "/a\nb";
  refused(o, "line break");
  o = base_options();
  o.partition = "gpu debug";
  refused(o, "--partition");
  o = base_options();
  o.time = "soon";
  refused(o, "--time");
  o = base_options();
  o.cpus_per_task = 0;
  refused(o, "--cpus-per-task");
  o = base_options();
  o.pack = 0;
  refused(o, "--pack");
  o = base_options();
  o.max_parallel = -1;
  refused(o, "--max-parallel");
  o = base_options();
  o.db.clear();
  refused(o, "--db");
}

// --- the scripts run by bash -----------------------------------------------------------------------

// A temp dir with a fake `atrous` (records each call; `worker` waits for a signal when asked to) and fake
// `scontrol`/`sbatch` (record their arguments), and the PATH to find them first.
struct FakeSlurm {
  TempDir dir{"slurm_script"};
  std::string calls = dir / "calls";
  std::string bin = dir / "fake bin";
  std::string atrous;

  FakeSlurm() {
    atrous = make_executable(dir, "fake bin/atrous", R"(#!/bin/bash
# worker --manifest M --index I --threads T
echo "atrous $*" >>")" + calls + R"("
index=$5
if [[ -f ")" + (dir / "wait-") + R"($index" ]]; then
  trap 'echo "worker $index got USR1" >>")" + calls + R"("; exit 4' USR1
  trap 'echo "worker $index got TERM" >>")" + calls + R"("; exit 4' TERM
  touch ")" + (dir / "started-") + R"($index"
  for _ in $(seq 300); do sleep 0.05; done
  exit 1
fi
[[ -f ")" + (dir / "fail-") + R"($index" ]] && exit 3
exit 0
)");
    // Like Slurm, `scontrol requeue` of a running task ends it with SIGTERM to its batch shell.
    make_executable(dir, "fake bin/scontrol",
                    "#!/bin/sh\necho \"scontrol $*\" >>\"" + calls + "\"\n[ \"$1\" = requeue ] && kill -TERM $PPID\nexit 0\n");
    make_executable(dir, "fake bin/sbatch",
                    "#!/bin/sh\nn=$(cat \"" + (dir / "next") + "\" 2>/dev/null || echo 100)\necho $((n + 1)) >\"" +
                        (dir / "next") + "\"\necho \"sbatch $*\" >>\"" + calls + "\"\necho \"$n;cluster\"\n");
  }
  SlurmScriptOptions options() const {
    SlurmScriptOptions o = base_options();
    o.atrous = atrous;
    o.log_dir = dir / "logs";
    return o;
  }
  // Runs `command` (a bash snippet) with the fake bin first on the PATH and a task's Slurm variables.
  ProgramResult run(const std::string& command, int task, int restart_count = 0) const {
    return run_program({"env", "PATH=" + bin + ":/usr/bin:/bin", "SLURM_ARRAY_JOB_ID=77",
                        "SLURM_ARRAY_TASK_ID=" + std::to_string(task), "SLURM_CPUS_PER_TASK=3",
                        "SLURM_RESTART_COUNT=" + std::to_string(restart_count), "bash", "-c", command});
  }
  std::string script(const std::string& name, const std::string& text) const { return dir.write(name, text); }
};

TEST(SlurmScriptRun, ATaskRunsItsManifestIndexWithTheTaskCpus) {
  FakeSlurm fake;
  SlurmScriptOptions o = fake.options();
  o.max_array_size = 4;
  o.pending = {1, 6};
  const SlurmScripts s = write_slurm_scripts(o);
  const std::string second = fake.script("array-1.sh", s.arrays.at(1).text);
  const ProgramResult r = fake.run("bash " + shell_quote(second), 2);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(fake.calls), "atrous worker --manifest /shared/sweep/manifest.json --index 6 --threads 3\n");
}

// Starts `script` in the background as a task would, waits until the worker of `index` started (up to 60 s: a
// loaded machine starts processes slowly), sends the
// batch shell `signal` (what --signal=B:... does) and prints the script's exit code.
std::string signal_task(const FakeSlurm& fake, const std::string& script, int index, const std::string& signal) {
  return "bash " + shell_quote(script) + " & pid=$!\n"
         "for _ in $(seq 3000); do [[ -f " + shell_quote(fake.dir / ("started-" + std::to_string(index))) +
         " ]] && break; sleep 0.02; done\n"
         "kill -" + signal + " $pid; wait $pid; echo \"exit $?\"\n";
}

TEST(SlurmScriptRun, PackedTaskRunsItsSliceInOrderAndReportsAFailure) {
  FakeSlurm fake;
  SlurmScriptOptions o = fake.options();
  o.pack = 3;
  o.pending = {0, 2, 4, 5, 6, 8, 9};
  const std::string script = fake.script("array-0.sh", write_slurm_scripts(o).arrays.at(0).text);
  fake.dir.write("fail-5", "");
  const ProgramResult r = fake.run("bash " + shell_quote(script), 1);  // task 1: runs 5, 6, 8
  EXPECT_EQ(r.exit_code, 3) << r.err;  // run 5 failed; 6 and 8 still ran
  EXPECT_EQ(read_file(fake.calls),
            "atrous worker --manifest /shared/sweep/manifest.json --index 5 --threads 3\n"
            "atrous worker --manifest /shared/sweep/manifest.json --index 6 --threads 3\n"
            "atrous worker --manifest /shared/sweep/manifest.json --index 8 --threads 3\n");
  std::filesystem::remove(fake.calls);
  EXPECT_EQ(fake.run("bash " + shell_quote(script), 2).exit_code, 0);  // task 2: run 9 alone
  EXPECT_EQ(read_file(fake.calls), "atrous worker --manifest /shared/sweep/manifest.json --index 9 --threads 3\n");
}

TEST(SlurmScriptRun, Usr1ReachesTheWorkerAndTheTaskRequeuesItself) {
  FakeSlurm fake;
  SlurmScriptOptions o = fake.options();
  o.pack = 2;
  o.pending = {3, 4};
  const std::string script = fake.script("array-0.sh", write_slurm_scripts(o).arrays.at(0).text);
  fake.dir.write("wait-3", "");
  const ProgramResult r = fake.run(signal_task(fake, script, 3, "USR1"), 0);
  EXPECT_EQ(r.out, "exit 4\n") << r.err;
  // The worker got USR1 and checkpointed; run 4 was not started so close to the limit; the task requeued.
  EXPECT_EQ(read_file(fake.calls),
            "atrous worker --manifest /shared/sweep/manifest.json --index 3 --threads 3\n"
            "worker 3 got USR1\n"
            "scontrol requeue 77_0\n");
}

TEST(SlurmScriptRun, TermIsForwardedButDoesNotRequeue) {
  FakeSlurm fake;
  SlurmScriptOptions o = fake.options();
  o.pending = {3};
  const std::string script = fake.script("array-0.sh", write_slurm_scripts(o).arrays.at(0).text);
  fake.dir.write("wait-3", "");
  const ProgramResult r = fake.run(signal_task(fake, script, 3, "TERM"), 3);
  EXPECT_EQ(r.out, "exit 4\n") << r.err;
  EXPECT_EQ(read_file(fake.calls),
            "atrous worker --manifest /shared/sweep/manifest.json --index 3 --threads 3\n"
            "worker 3 got TERM\n");
}

TEST(SlurmScriptRun, RequeuesStopAtTheLimit) {
  FakeSlurm fake;
  SlurmScriptOptions o = fake.options();
  o.pending = {3};
  o.max_requeues = 2;
  const std::string script = fake.script("array-0.sh", write_slurm_scripts(o).arrays.at(0).text);
  fake.dir.write("wait-3", "");
  const ProgramResult r = fake.run(signal_task(fake, script, 3, "USR1"), 3, /*restart_count=*/2);
  EXPECT_EQ(r.out, "exit 4\n") << r.err;
  EXPECT_EQ(read_file(fake.calls).find("scontrol"), std::string::npos);
  EXPECT_NE(r.err.find("requeued 2 times already"), std::string::npos) << r.err;
}

TEST(SlurmScriptRun, SubmitScriptSubmitsArraysThenIngestAfterAllOfThem) {
  FakeSlurm fake;
  SlurmScriptOptions o = fake.options();
  o.max_array_size = 2;
  o.pending = {0, 3};
  const SlurmScripts s = write_slurm_scripts(o);
  ASSERT_EQ(s.arrays.size(), 2u);
  for (const auto& a : s.arrays) fake.script("slurm/" + a.file_name, a.text);
  fake.script("slurm/ingest.sh", s.ingest);
  const std::string submit = fake.script("slurm/submit.sh", s.submit);
  const ProgramResult r = fake.run("bash " + shell_quote(submit), 0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(fake.calls),
            "sbatch --parsable array-0.sh\n"
            "sbatch --parsable array-1.sh\n"
            "sbatch --parsable --dependency=afterany:100:101 ingest.sh\n");
  EXPECT_NE(r.out.find("submitted array job 100 (array-0.sh: 1 run(s) in 1 task(s))"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("submitted ingest job 102"), std::string::npos) << r.out;
  EXPECT_EQ(afterany_dependency({"100", "101"}), "afterany:100:101");
}

TEST(SlurmScriptRun, IngestJobIngestsThenReports) {
  FakeSlurm fake;
  SlurmScriptOptions o = fake.options();
  o.manifest = fake.dir / "sweep/manifest.json";
  o.pending = {0};
  const std::string ingest = fake.script("ingest.sh", write_slurm_scripts(o).ingest);
  EXPECT_EQ(fake.run("bash " + shell_quote(ingest), 0).exit_code, 0);
  EXPECT_EQ(read_file(fake.calls), "atrous ingest " + (fake.dir / "sweep") +
                                       " --db /local/results/atrous.db\natrous report ablation --db /local/results/atrous.db\n");
}

}  // namespace
}  // namespace atrous
