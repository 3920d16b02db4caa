#pragma once
// `atrous sweep EXP.yaml --backend slurm [--partition P --time T --cpus-per-task C --max-parallel K --pack P]
// [--submit]`: the sweep's manifest, then sbatch scripts for the runs not done yet (sweep/slurm_script.hpp)
// in <manifest dir>/slurm/, submitted with sbatch when --submit is given (else: run its submit.sh).
#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "sweep/plan.hpp"

namespace atrous::cli {

struct SlurmSweepOptions {
  std::string backend = "local";
  std::string partition, time;
  std::string report_out;  // the ingest job's `atrous report -o`; empty: its default
  int cpus_per_task = 1, max_parallel = 0, pack = 1, max_requeues = 20;
  bool submit = false;
};

// Adds --backend and the Slurm options to `atrous sweep`.
void add_slurm_sweep_options(CLI::App* sweep, SlurmSweepOptions& options);

// The Slurm options given without --backend slurm: a usage error naming them (they would do nothing); a bad
// --time: a usage error before anything is planned.
void check_slurm_options_need_backend(const CLI::App* sweep, const SlurmSweepOptions& options);

// What the manifest writer gives the Slurm backend.
struct SlurmManifest {
  std::string path;             // <dir>/manifest.json, absolute
  std::vector<int> pending;     // indices of the runs not done yet
  std::map<int, int> ranks;     // index -> ranks of its run, for the runs over more than one
};

// Writes the manifest of `plan` into `dir` (as --emit-manifest does) and lists its runs not done yet (no DONE
// marker in dir/runs/<id>, not done in `db`).
SlurmManifest emit_manifest_for_slurm(const SweepPlan& plan, const std::string& dir, const std::string& db);

// Where --backend slurm writes the manifest when no folder is given: <folder of the database>/slurm/<experiment>.
// On a cluster give a folder on the shared filesystem instead (the database itself stays on local disk).
std::string default_slurm_manifest_dir(const std::string& db, const std::string& experiment);

// Writes <manifest dir>/slurm/{array-*.sh, ingest.sh, submit.sh} for the manifest's pending runs and, with
// --submit, submits them (arrays, then ingest afterany all); prints what it wrote, or the job ids.
// `atrous` is the binary the tasks run (default: this one, by its absolute path).
void write_slurm_sweep(const SlurmSweepOptions& options, const std::string& experiment, size_t planned_runs,
                       const SlurmManifest& manifest, const std::string& db, std::string atrous = "");

}  // namespace atrous::cli
