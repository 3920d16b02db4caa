#pragma once
// Slurm's client programs as functions: sbatch to submit, squeue/sacct for the state of array tasks, scontrol
// for MaxArraySize. Each is looked up on the PATH when called; a missing one is a clear error (or, for the
// optional queries, a documented fallback), so that atrous builds and runs where there is no Slurm.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace atrous {

// The full path of `program` on the PATH, or nothing.
std::optional<std::string> find_on_path(const std::string& program);

struct ProgramResult {
  int exit_code = -1;  // 128 + signal when it was killed
  std::string out, err;
};

// Runs argv[0] (looked up on the PATH) with the other words as arguments, no shell; waits and returns its
// exit code and output. Throws an Error naming the program when it is not on the PATH or cannot start.
ProgramResult run_program(const std::vector<std::string>& argv);

// `sbatch --parsable [extra...] script`: the job id. Throws an Error with sbatch's message when it fails, and
// one saying what to do when sbatch is not on the PATH.
std::string sbatch_submit(const std::string& script, const std::vector<std::string>& extra_args = {});

// MaxArraySize from `scontrol show config`; Slurm's default 1001 when scontrol is missing or says nothing.
int slurm_max_array_size();

// The state of every task of the given jobs that Slurm knows, by task id ("12_3" for array task 3 of job 12;
// "12" for a plain job): squeue (-r, one line per array task) for queued and running ones, then sacct -X for
// the ended ones squeue no longer shows. Empty when neither program is on the PATH; a failing sacct (no
// accounting storage, as on a test cluster) is skipped.
std::map<std::string, std::string> slurm_task_states(const std::vector<std::string>& job_ids);

}  // namespace atrous
