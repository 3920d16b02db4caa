#pragma once
// The sbatch scripts of a sweep on Slurm, as text: one job array per MaxArraySize-sized block of the manifest's
// pending runs (each task runs `atrous worker --manifest M --index I`), a dependent job that ingests the run
// folders into the database and writes the report, and submit.sh, which submits them in that order. A pure
// function of its options, so that tests read the text; slurm_cli.hpp submits it.
//
// Array task ids: Slurm refuses a task id >= MaxArraySize, so manifest indices are split into blocks
// [b·MaxArraySize, (b+1)·MaxArraySize), one script per block that has pending runs; a task id is the offset in
// its block and the script adds the block's base (in block 0, task id = manifest index). The --array list holds
// only the pending offsets, compressed into ranges ("0-3,7,9-12"). With pack P > 1 a task runs P runs one after
// another: task t of a script runs the P entries from t·P of the list of manifest indices the script holds.
//
// Runs over several ranks (train.ranks = N) get arrays of their own, one per N: such a task asks for
// --ntasks=N (each with --cpus-per-task CPUs) and starts its worker as a job step, `srun --mpi=pmix` (the
// PMIx plugin Debian's slurm-wlm and OpenMPI share; $ATROUS_SRUN_MPI picks another), which also forwards the
// USR1/TERM the script passes on to every rank. Rank 0 alone writes the journal and DONE (sweep/rank_zero.hpp).
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace atrous {

struct SlurmScriptOptions {
  std::string manifest;               // manifest.json every task indexes; ingest reads its folder
  std::vector<int> pending;           // manifest indices to run (any order, each >= 0)
  std::map<int, int> ranks;           // manifest index -> the ranks its run trains over; absent: 1
  std::string experiment;             // the experiment's name, for `atrous report`
  std::string partition;              // empty: the cluster's default partition
  std::string time;                   // Slurm time limit ("4:00:00", "2-0", "90"); empty: the partition's
  int cpus_per_task = 1;              // also the worker's --threads
  int max_parallel = 0;               // K of --array=...%K: tasks running at once; 0: no limit
  int max_array_size = 1001;          // the cluster's MaxArraySize (Slurm's default 1001)
  int pack = 1;                       // runs per array task
  std::string atrous = "atrous";      // the binary the tasks run (an absolute path: jobs do not see your PATH)
  std::string db;                     // the results database ingest writes (on local disk, not NFS)
  std::string report_output;          // `atrous report -o`; empty: its default
  std::string log_dir;                // per-task stdout/stderr: <log_dir>/<job>_<task>.out/.err
  std::string job_name = "atrous";
  int signal_lead_seconds = 120;      // USR1 this long before the time limit (at most half the limit)
  int max_requeues = 20;              // a task requeues itself after USR1 at most this often
};

struct SlurmArrayScript {
  std::string file_name;              // "array-<block>.sh"
  std::string text;
  int runs = 0;                       // manifest indices it runs
  int tasks = 0;                      // array tasks
  int ranks = 1;                      // Slurm tasks (MPI ranks) per array task
  std::map<int, std::vector<int>> task_indices;  // array task id -> the manifest indices it runs
};

struct SlurmScripts {
  std::vector<SlurmArrayScript> arrays;  // empty when nothing is pending
  std::string ingest;                 // "ingest.sh"; its --dependency is given when submitted (job ids)
  std::string submit;                 // "submit.sh": sbatch each array, then ingest.sh afterany all of them
};

inline constexpr const char* slurm_ingest_script_name = "ingest.sh";
inline constexpr const char* slurm_submit_script_name = "submit.sh";

// Throws a usage Error naming the option for values Slurm would refuse or that cannot be written.
SlurmScripts write_slurm_scripts(const SlurmScriptOptions& options);

// Sorted, distinct, non-negative indices as Slurm's --array list: "0-3,7,9-12" ("" for none).
std::string compress_indices(std::vector<int> indices);

// A Slurm time limit in seconds: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S"; throws a usage Error
// naming --time for anything else (and for 0: Slurm reads it as "no limit" only on some clusters).
long parse_slurm_time(std::string_view time);

// sbatch's --dependency value running after every one of `job_ids` ended, whatever their state.
std::string afterany_dependency(const std::vector<std::string>& job_ids);

}  // namespace atrous
