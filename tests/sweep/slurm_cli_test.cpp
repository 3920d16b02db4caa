// Slurm's client programs as functions, against fake sbatch/squeue/sacct/scontrol scripts put first on the
// PATH (and against their absence).
#include "sweep/slurm_cli.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

using testing::TempDir;

// Sets PATH to `dir` alone for the scope (the fakes start with #!/bin/sh and use only its builtins, so that a
// real Slurm in /usr/bin is not found); restores it after.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& dir) {
    if (const char* p = std::getenv("PATH")) saved_ = p;
    ::setenv("PATH", dir.c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", saved_.c_str(), 1); }

 private:
  std::string saved_;
};

std::string fake(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.write("bin/" + name, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SlurmCli, FindsProgramsOnThePathOnly) {
  TempDir dir("slurm_cli");
  fake(dir, "sbatch", "exit 0\n");
  dir.write("bin/squeue", "not executable");
  ScopedPath path(dir / "bin");
  EXPECT_EQ(find_on_path("sbatch"), dir / "bin/sbatch");
  EXPECT_FALSE(find_on_path("squeue"));
  EXPECT_FALSE(find_on_path("sacct"));
}

TEST(SlurmCli, SbatchReturnsTheJobIdAndPassesItsArguments) {
  TempDir dir("slurm_cli");
  fake(dir, "sbatch", "echo \"$@\" >\"" + (dir / "args") + "\"\necho '4242;cluster'\n");
  ScopedPath path(dir / "bin");
  EXPECT_EQ(sbatch_submit("/x/array 0.sh", {"--dependency=afterany:1:2"}), "4242");
  EXPECT_EQ(read_file(dir / "args"), "--parsable --dependency=afterany:1:2 /x/array 0.sh\n");
}

TEST(SlurmCli, SbatchErrorsSayWhatHappened) {
  TempDir dir("slurm_cli");
  {
    ScopedPath path(dir / "bin");  // no sbatch
    try {
      sbatch_submit("a.sh");
      ADD_FAILURE() << "no error without sbatch";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'sbatch' is not on the PATH"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("submit.sh"), std::string::npos) << e.what();
    }
  }
  fake(dir, "sbatch", "echo 'sbatch: error: invalid partition specified: gpu' >&2\nexit 1\n");
  ScopedPath path(dir / "bin");
  try {
    sbatch_submit("a.sh");
    ADD_FAILURE() << "no error from a failing sbatch";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("invalid partition specified: gpu"), std::string::npos) << e.what();
  }
  fake(dir, "sbatch", "echo 'Submitted batch job'\n");
  EXPECT_THROW(sbatch_submit("a.sh"), Error);  // no id to return
}

TEST(SlurmCli, MaxArraySizeFromScontrolElseSlurmsDefault) {
  TempDir dir("slurm_cli");
  ScopedPath path(dir / "bin");
  EXPECT_EQ(slurm_max_array_size(), 1001);
  fake(dir, "scontrol",
       "[ \"$1 $2\" = 'show config' ] || exit 1\n"
       "echo 'MaxArraySize            = 40001'\necho 'MaxJobCount             = 10000'\n");
  EXPECT_EQ(slurm_max_array_size(), 40001);
  fake(dir, "scontrol", "exit 1\n");
  EXPECT_EQ(slurm_max_array_size(), 1001);
}

TEST(SlurmCli, TaskStatesFromSqueueThenSacct) {
  TempDir dir("slurm_cli");
  ScopedPath path(dir / "bin");
  EXPECT_TRUE(slurm_task_states({"12"}).empty());  // neither program
  fake(dir, "squeue", "echo \"$@\" >\"" + (dir / "squeue.args") + "\"\nprintf '12_3|RUNNING\\n12_4|PENDING\\n'\n");
  fake(dir, "sacct",
       "printf '12_0|COMPLETED\\n12_1|FAILED\\n12_2|CANCELLED by 0\\n12_3|PENDING\\n13|COMPLETED\\n'\n");
  const auto states = slurm_task_states({"12", "13"});
  const std::map<std::string, std::string> expected = {{"12_0", "COMPLETED"}, {"12_1", "FAILED"},
                                                       {"12_2", "CANCELLED"}, {"12_3", "RUNNING"},
                                                       {"12_4", "PENDING"},   {"13", "COMPLETED"}};
  EXPECT_EQ(states, expected);
  EXPECT_EQ(read_file(dir / "squeue.args"), "--noheader --array --jobs 12,13 --format %i|%T\n");
  fake(dir, "sacct", "echo 'sacct: error: Slurm accounting storage is disabled' >&2\nexit 1\n");
  EXPECT_EQ(slurm_task_states({"12"}).size(), 2u);  // squeue's alone
}

}  // namespace
}  // namespace atrous
