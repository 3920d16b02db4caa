#include "cli/slurm_options.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fmt/format.h>

#include "core/error.hpp"
#include "sweep/shell_quote.hpp"
#include "sweep/slurm_cli.hpp"
#include "sweep/slurm_jobs.hpp"
#include "sweep/slurm_script.hpp"
#include "train/atomic_file.hpp"

namespace atrous::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> slurm_only = {"--partition", "--time", "--cpus-per-task", "--max-parallel", "--pack",
                                             "--submit", "--report-out"};

// The binary the array tasks run: this one, by its absolute path (jobs do not get the submitter's PATH or cwd).
std::string this_executable() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("atrous") : exe.string();
}

void write_script(const fs::path& path, const std::string& text) {
  write_file_atomically(path.string(), text);
  fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);
}

}  // namespace

void add_slurm_sweep_options(CLI::App* sweep, SlurmSweepOptions& o) {
  sweep->add_option("--backend", o.backend, "local (runs here), or slurm (writes sbatch job-array scripts)")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  sweep->add_option("--partition", o.partition, "slurm: partition (default: the cluster's)");
  sweep->add_option("--time", o.time, "slurm: time limit per array task (4:00:00, 2-0, ...)");
  sweep->add_option("--cpus-per-task", o.cpus_per_task, "slurm: CPUs per array task (the worker's threads)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sweep->add_option("--max-parallel", o.max_parallel, "slurm: array tasks running at once (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sweep->add_option("--pack", o.pack, "slurm: runs per array task, one after another (for short runs)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sweep->add_flag("--submit", o.submit, "slurm: submit with sbatch and print the job ids");
  sweep->add_option("--report-out", o.report_out,
                    "slurm: where the ingest job's `atrous report` writes (default: reports/<experiment>.md in the "
                    "folder sbatch was called from)");
}

void check_slurm_options_need_backend(const CLI::App* sweep, const SlurmSweepOptions& o) {
  if (o.backend == "slurm") {
    if (!o.time.empty()) parse_slurm_time(o.time);
    return;
  }
  for (const auto& name : slurm_only)
    if (sweep->count(name) > 0)
      throw Error(fmt::format("{} is an option of --backend slurm", name), Error::Kind::usage);
}

std::string default_slurm_manifest_dir(const std::string& db, const std::string& experiment) {
  return (fs::absolute(db).parent_path() / "slurm" / experiment).string();
}

void write_slurm_sweep(const SlurmSweepOptions& o, const std::string& experiment, size_t planned_runs,
                       const SlurmManifest& manifest, const std::string& db, std::string atrous) {
  const fs::path manifest_path = fs::absolute(manifest.path);
  const fs::path dir = manifest_path.parent_path();
  SlurmScriptOptions s;
  s.manifest = manifest_path.string();
  s.pending = manifest.pending;
  s.ranks = manifest.ranks;
  s.experiment = experiment;
  s.partition = o.partition;
  s.time = o.time;
  s.cpus_per_task = o.cpus_per_task;
  s.max_parallel = o.max_parallel;
  s.pack = o.pack;
  s.max_requeues = o.max_requeues;
  s.max_array_size = slurm_max_array_size();
  s.atrous = atrous.empty() ? this_executable() : atrous;
  s.db = fs::absolute(db).string();
  s.log_dir = (dir / "slurm" / "logs").string();
  if (!o.report_out.empty()) s.report_output = fs::absolute(o.report_out).string();
  s.job_name = "atrous-" + experiment;
  const SlurmScripts scripts = write_slurm_scripts(s);

  const fs::path out = dir / "slurm";
  fs::create_directories(s.log_dir);
  for (const auto& a : scripts.arrays) write_script(out / a.file_name, a.text);
  write_script(out / slurm_ingest_script_name, scripts.ingest);
  write_script(out / slurm_submit_script_name, scripts.submit);
  fmt::print("{} of {} runs pending; {} job array(s) (MaxArraySize {}) in {}\n", manifest.pending.size(),
             planned_runs, scripts.arrays.size(), s.max_array_size, out.string());
  if (scripts.arrays.empty()) return;
  if (!o.submit) {
    fmt::print("submit: bash {}\n", shell_quote((out / slurm_submit_script_name).string()));
    return;
  }
  // The same order and the same lines as submit.sh.
  std::vector<std::string> jobs;
  std::vector<SlurmSubmission> submitted;
  for (const auto& a : scripts.arrays) {
    jobs.push_back(sbatch_submit((out / a.file_name).string()));
    submitted.push_back(SlurmSubmission{jobs.back(), a.file_name, a.ranks, a.task_indices});
    // Recorded as each job is accepted, so that `atrous status` knows it even if a later sbatch fails.
    record_slurm_submissions(dir.string(), {submitted.back()});
    fmt::print("submitted array job {} ({}: {} run(s) in {} task(s){})\n", jobs.back(), a.file_name, a.runs, a.tasks,
               a.ranks > 1 ? fmt::format(" of {} ranks", a.ranks) : "");
  }
  const std::string ingest = sbatch_submit((out / slurm_ingest_script_name).string(),
                                           {"--dependency=" + afterany_dependency(jobs)});
  fmt::print("submitted ingest job {} ({}, after {})\n", ingest, slurm_ingest_script_name, fmt::join(jobs, " "));
}

}  // namespace atrous::cli
