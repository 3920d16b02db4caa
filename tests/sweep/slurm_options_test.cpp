// `atrous sweep --backend slurm` after the manifest is written: the scripts in <manifest dir>/slurm, the
// MaxArraySize scontrol reports, and --submit's sbatch calls (fake scontrol/sbatch first on the PATH).
#include "cli/slurm_options.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "support/temp_dir.hpp"

namespace atrous::cli {
namespace {

using atrous::testing::TempDir;
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The fakes first on the PATH for the scope: scontrol reports MaxArraySize 3, sbatch records its arguments
// and answers 500, 501, ...
class FakeSlurmPath {
 public:
  explicit FakeSlurmPath(const TempDir& dir) : dir_(dir) {
    write("scontrol", "echo 'MaxArraySize            = 3'\n");
    write("sbatch", "n=$(cat \"" + (dir / "next") + "\" 2>/dev/null || echo 500)\necho $((n + 1)) >\"" + (dir / "next") +
                        "\"\necho \"$*\" >>\"" + (dir / "sbatch.calls") + "\"\necho $n\n");
    if (const char* p = std::getenv("PATH")) saved_ = p;
    ::setenv("PATH", (dir / "bin" + ":/usr/bin:/bin").c_str(), 1);
  }
  ~FakeSlurmPath() { ::setenv("PATH", saved_.c_str(), 1); }

 private:
  void write(const std::string& name, const std::string& body) {
    const std::string path = dir_.write("bin/" + name, "#!/bin/sh\n" + body);
    ::chmod(path.c_str(), 0755);
  }
  const TempDir& dir_;
  std::string saved_;
};

TEST(SlurmSweepOptions, WritesScriptsBesideTheManifest) {
  TempDir dir("slurm_options");
  FakeSlurmPath path(dir);
  SlurmSweepOptions o;
  o.backend = "slurm";
  o.time = "1:00:00";
  o.max_parallel = 2;
  const SlurmManifest manifest{dir / "sweep/manifest.json", {0, 1, 4}};
  ::testing::internal::CaptureStdout();
  write_slurm_sweep(o, "smoke", 6, manifest, dir / "results/atrous.db", "/opt/atrous");
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("3 of 6 runs pending; 2 job array(s) (MaxArraySize 3)"), std::string::npos) << out;
  EXPECT_NE(out.find("submit: bash " + dir / "sweep/slurm/submit.sh"), std::string::npos) << out;
  for (const char* f : {"array-0.sh", "array-1.sh", "ingest.sh", "submit.sh"}) {
    const fs::path p = fs::path(dir / "sweep/slurm") / f;
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_NE(fs::status(p).permissions() & fs::perms::owner_exec, fs::perms::none) << p;
  }
  EXPECT_TRUE(fs::is_directory(dir / "sweep/slurm/logs"));
  const std::string second = read_file(dir / "sweep/slurm/array-1.sh");
  EXPECT_NE(second.find("#SBATCH --array=1%2\n"), std::string::npos) << second;  // index 4 = base 3 + 1
  EXPECT_NE(second.find("#SBATCH --time=1:00:00\n"), std::string::npos);
  EXPECT_NE(second.find("#SBATCH --job-name=atrous-smoke\n"), std::string::npos);
  EXPECT_NE(second.find("manifest=" + dir / "sweep/manifest.json" + "\n"), std::string::npos);
  EXPECT_NE(read_file(dir / "sweep/slurm/ingest.sh").find("/opt/atrous ingest " + dir / "sweep" + " --db " +
                                                          dir / "results/atrous.db"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "sbatch.calls"));  // nothing submitted without --submit
}

TEST(SlurmSweepOptions, SubmitSubmitsArraysThenTheIngestJob) {
  TempDir dir("slurm_options");
  FakeSlurmPath path(dir);
  SlurmSweepOptions o;
  o.backend = "slurm";
  o.submit = true;
  ::testing::internal::CaptureStdout();
  write_slurm_sweep(o, "smoke", 5, SlurmManifest{dir / "m/manifest.json", {2, 3}}, dir / "atrous.db", "/opt/atrous");
  const std::string out = ::testing::internal::GetCapturedStdout();
  const std::string s = dir / "m/slurm/";
  EXPECT_EQ(read_file(dir / "sbatch.calls"), "--parsable " + s + "array-0.sh\n--parsable " + s +
                                                 "array-1.sh\n--parsable --dependency=afterany:500:501 " + s +
                                                 "ingest.sh\n");
  EXPECT_NE(out.find("submitted array job 500 (array-0.sh: 1 run(s) in 1 task(s))"), std::string::npos) << out;
  EXPECT_NE(out.find("submitted ingest job 502 (ingest.sh, after 500 501)"), std::string::npos) << out;
}

TEST(SlurmSweepOptions, NothingPendingSubmitsNothing) {
  TempDir dir("slurm_options");
  FakeSlurmPath path(dir);
  SlurmSweepOptions o;
  o.backend = "slurm";
  o.submit = true;
  ::testing::internal::CaptureStdout();
  write_slurm_sweep(o, "smoke", 4, SlurmManifest{dir / "m/manifest.json", {}}, dir / "atrous.db", "/opt/atrous");
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("0 of 4 runs pending"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "sbatch.calls"));
}

TEST(SlurmSweepOptions, SlurmOptionsNeedTheSlurmBackend) {
  CLI::App app;
  SlurmSweepOptions o;
  add_slurm_sweep_options(&app, o);
  app.parse(std::vector<std::string>{"2", "--cpus-per-task"});  // CLI11 reads the vector back to front
  try {
    check_slurm_options_need_backend(&app, o);
    ADD_FAILURE() << "--cpus-per-task accepted without --backend slurm";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("--cpus-per-task is an option of --backend slurm"), std::string::npos);
  }
  CLI::App app2;
  SlurmSweepOptions o2;
  add_slurm_sweep_options(&app2, o2);
  app2.parse(std::vector<std::string>{"9h", "--time", "slurm", "--backend"});
  EXPECT_THROW(check_slurm_options_need_backend(&app2, o2), Error);  // a bad --time, before any planning
  o2.time = "2-0";
  EXPECT_NO_THROW(check_slurm_options_need_backend(&app2, o2));
}

}  // namespace
}  // namespace atrous::cli
