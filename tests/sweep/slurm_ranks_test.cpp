// Runs over several ranks on Slurm: arrays of their own asking for --ntasks, the worker started as an srun job
// step (read as text, and run by bash with a fake srun); and the job ids `--submit` records beside the manifest,
// which `atrous status` maps to runs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"
#include "sweep/shell_quote.hpp"
#include "sweep/slurm_cli.hpp"
#include "sweep/slurm_jobs.hpp"
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

SlurmScriptOptions options_with_ranks() {
  SlurmScriptOptions o;
  o.manifest = "/shared/sweep/manifest.json";
  o.experiment = "scaling";
  o.db = "/local/results/atrous.db";
  o.log_dir = "/shared/sweep/logs";
  o.atrous = "/opt/atrous/bin/atrous";
  o.cpus_per_task = 3;
  o.pending = {0, 1, 2, 3, 5};
  o.ranks = {{2, 2}, {3, 2}, {5, 4}};
  return o;
}

TEST(SlurmRanks, RunsOfEachRankCountGetAnArrayAskingForThatManyTasks) {
  const SlurmScripts s = write_slurm_scripts(options_with_ranks());
  ASSERT_EQ(s.arrays.size(), 3u);
  const auto& one = s.arrays[0], two = s.arrays[1], four = s.arrays[2];
  EXPECT_EQ(one.ranks, 1);
  EXPECT_NE(one.text.find("#SBATCH --array=0-1\n"), std::string::npos) << one.text;
  EXPECT_EQ(one.text.find("--ntasks"), std::string::npos) << one.text;
  EXPECT_NE(one.text.find("launch=()\n"), std::string::npos) << one.text;
  EXPECT_EQ(two.ranks, 2);
  EXPECT_NE(two.text.find("#SBATCH --array=2-3\n"), std::string::npos) << two.text;
  EXPECT_NE(two.text.find("#SBATCH --ntasks=2\n"), std::string::npos) << two.text;
  EXPECT_NE(two.text.find("#SBATCH --cpus-per-task=3\n"), std::string::npos) << "CPUs per rank: " << two.text;
  EXPECT_NE(two.text.find("launch=(srun --ntasks=2 --cpus-per-task=3 \"--mpi=${ATROUS_SRUN_MPI:-pmix}\")\n"),
            std::string::npos)
      << two.text;
  EXPECT_NE(four.text.find("#SBATCH --array=5\n"), std::string::npos) << four.text;
  EXPECT_NE(four.text.find("#SBATCH --ntasks=4\n"), std::string::npos) << four.text;
  EXPECT_EQ(two.task_indices, (std::map<int, std::vector<int>>{{2, {2}}, {3, {3}}}));
  EXPECT_NE(s.submit.find("array-1.sh: 2 run(s) in 2 task(s) of 2 ranks"), std::string::npos) << s.submit;
}

TEST(SlurmRanks, PackedTasksListTheirIndicesPerTask) {
  SlurmScriptOptions o = options_with_ranks();
  o.pack = 2;
  const SlurmScripts s = write_slurm_scripts(o);
  ASSERT_EQ(s.arrays.size(), 3u);
  EXPECT_EQ(s.arrays[0].task_indices, (std::map<int, std::vector<int>>{{0, {0, 1}}}));
  EXPECT_EQ(s.arrays[1].task_indices, (std::map<int, std::vector<int>>{{0, {2, 3}}}));
}

TEST(SlurmRanks, TheTaskStartsItsWorkerThroughSrun) {
  TempDir dir("slurm_ranks");
  const std::string calls = dir / "calls";
  const auto executable = [&](const std::string& name, const std::string& text) {
    const std::string path = dir.write(name, text);
    ::chmod(path.c_str(), 0755);
    return path;
  };
  // srun records its options and runs the command; atrous records how it was called.
  executable("bin/srun", "#!/bin/bash\necho \"srun $*\" >>\"" + calls +
                             "\"\nwhile [[ $1 == --* ]]; do shift; done\nexec \"$@\"\n");
  SlurmScriptOptions o = options_with_ranks();
  o.atrous = executable("bin/atrous", "#!/bin/bash\necho \"atrous $*\" >>\"" + calls + "\"\n");
  o.log_dir = dir / "logs";
  const std::string script = dir.write("array-1.sh", write_slurm_scripts(o).arrays.at(1).text);
  const ProgramResult r = run_program({"env", "PATH=" + (dir / "bin") + ":/usr/bin:/bin", "SLURM_ARRAY_JOB_ID=9",
                                       "SLURM_ARRAY_TASK_ID=3", "SLURM_CPUS_PER_TASK=3", "bash", script});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(calls), "srun --ntasks=2 --cpus-per-task=3 --mpi=pmix " + o.atrous +
                                 " worker --manifest /shared/sweep/manifest.json --index 3 --threads 3\n"
                                 "atrous worker --manifest /shared/sweep/manifest.json --index 3 --threads 3\n");
}

TEST(SlurmRanks, SubmissionsAreRecordedAndMappedToManifestIndices) {
  TempDir dir("slurm_jobs");
  EXPECT_TRUE(read_slurm_submissions(dir.path()).empty()) << "no jobs file: nothing submitted";
  record_slurm_submissions(dir.path(), {SlurmSubmission{"12", "array-0.sh", 1, {{0, {0}}, {1, {1}}, {2, {2}}}},
                                        SlurmSubmission{"13", "array-1.sh", 2, {{0, {3, 4}}}}});
  // A later submission (after ingest) runs index 1 again, as job 20's task 1.
  record_slurm_submissions(dir.path(), {SlurmSubmission{"20", "array-0.sh", 1, {{1, {1}}}}});
  const auto all = read_slurm_submissions(dir.path());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].job, "13");
  EXPECT_EQ(all[1].ranks, 2);
  EXPECT_EQ(all[1].tasks.at(0), (std::vector<int>{3, 4}));

  const std::map<std::string, std::string> slurm = {
      {"12_0", "COMPLETED"}, {"12_1", "FAILED"}, {"13_0", "RUNNING"}, {"20_1", "PENDING"}};
  const auto states = slurm_index_states(all, slurm);
  EXPECT_EQ(states, (std::map<int, std::string>{{0, "COMPLETED (12_0)"},
                                                {1, "PENDING (20_1)"},
                                                {3, "RUNNING (13_0)"},
                                                {4, "RUNNING (13_0)"}}));
  // Index 1's newer task unknown to Slurm: the older task's state is not shown for it.
  EXPECT_FALSE(slurm_index_states(all, {{"12_1", "FAILED"}}).count(1));

  dir.write("slurm/jobs.json", "{\"format\": 1, \"submissions\": [{\"job\": 12}]}");
  try {
    read_slurm_submissions(dir.path());
    ADD_FAILURE() << "a malformed jobs file was read";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("jobs.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace atrous
