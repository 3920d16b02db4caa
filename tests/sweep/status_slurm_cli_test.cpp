// `atrous status` of a sweep on Slurm: the state squeue/sacct give each run's array task (fakes on the PATH),
// from the job ids `--submit` recorded beside the manifest; before the first ingest, the runs as their
// journals say.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY
#include "support/temp_dir.hpp"
#include "sweep/manifest.hpp"
#include "sweep/slurm_cli.hpp"
#include "sweep/slurm_jobs.hpp"

namespace atrous {
namespace {

using testing::TempDir;

struct SlurmSweepFolder {
  TempDir tmp{"status_slurm"};
  std::string dir = tmp / "sweep", db = tmp / "results/atrous.db", bin = tmp / "bin";

  SlurmSweepFolder() {
    const ProgramResult plan = atrous({"sweep", std::string(ATROUS_SOURCE_DIR) + "/experiments/smoke.yaml",
                                       "--emit-manifest", dir, "--db", db});
    EXPECT_EQ(plan.exit_code, 0) << plan.out << plan.err;
    // Four runs: indices 0-1 in job 500, 2-3 in job 501 (two ranks each, say).
    record_slurm_submissions(dir, {SlurmSubmission{"500", "array-0.sh", 1, {{0, {0}}, {1, {1}}}},
                                   SlurmSubmission{"501", "array-1.sh", 2, {{0, {2}}, {1, {3}}}}});
    fake("squeue", "echo \"squeue $*\" >>\"" + (tmp / "calls") + "\"\necho '500_0|RUNNING'\necho '501_1|PENDING'\n");
    fake("sacct", "echo \"sacct $*\" >>\"" + (tmp / "calls") + "\"\necho '500_1|COMPLETED'\necho '501_0|CANCELLED by 0'\n");
  }
  void fake(const std::string& name, const std::string& body) const {
    const std::string path = tmp.write("bin/" + name, "#!/bin/sh\n" + body);
    ::chmod(path.c_str(), 0755);
  }
  ProgramResult atrous(std::vector<std::string> args) const {
    args.insert(args.begin(), {"env", "PATH=" + bin + ":/usr/bin:/bin", ATROUS_BINARY});
    return run_program(args);
  }
};

TEST(StatusSlurm, ShowsEachRunsArrayTaskStateBeforeTheFirstIngest) {
  SlurmSweepFolder f;
  const Manifest m = read_manifest(f.dir + "/manifest.json");
  const ProgramResult r = f.atrous({"status", "smoke", "--manifest", f.dir, "--db", f.db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("slurm"), std::string::npos) << r.out;
  // Each run's row holds its own task's state.
  for (const auto& [index, state] : std::map<int, std::string>{
           {0, "RUNNING (500_0)"}, {1, "COMPLETED (500_1)"}, {2, "CANCELLED (501_0)"}, {3, "PENDING (501_1)"}}) {
    const auto row = r.out.find(m.runs[static_cast<size_t>(index)].run_id.substr(0, 12));
    ASSERT_NE(row, std::string::npos) << r.out;
    const auto line_start = r.out.rfind('\n', row) + 1;
    const std::string line = r.out.substr(line_start, r.out.find('\n', row) - line_start);
    EXPECT_NE(line.find(state), std::string::npos) << "index " << index << ": " << line;
  }
  EXPECT_NE(r.out.find("not in " + f.db + " until `atrous ingest"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(f.db)) << "status writes no database";
}

TEST(StatusSlurm, ReadsTheDatabaseOnceIngestedAndFindsTheDefaultFolder) {
  SlurmSweepFolder f;
  // --backend slurm's default manifest folder: <db folder>/slurm/<experiment>.
  const std::string default_dir = f.tmp / "results/slurm/smoke";
  std::filesystem::create_directories(default_dir);
  std::filesystem::copy(f.dir, default_dir, std::filesystem::copy_options::recursive);
  ASSERT_EQ(f.atrous({"ingest", default_dir, "--db", f.db}).exit_code, 0);
  const ProgramResult r = f.atrous({"status", "smoke", "--db", f.db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("RUNNING (500_0)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("until `atrous ingest"), std::string::npos) << r.out;
}

TEST(StatusSlurm, NoSlurmColumnWithoutSqueueOrSacct) {
  SlurmSweepFolder f;
  std::filesystem::remove(f.bin + "/squeue");
  std::filesystem::remove(f.bin + "/sacct");
  const ProgramResult r = run_program({"env", "PATH=" + f.bin, ATROUS_BINARY, "status", "smoke", "--manifest", f.dir,
                                       "--db", f.db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')).find("slurm"), std::string::npos) << "no slurm column: " << r.out;
  EXPECT_NE(r.out.find("queued"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace atrous
