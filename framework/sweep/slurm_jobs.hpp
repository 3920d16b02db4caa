#pragma once
// The Slurm jobs a sweep submitted, kept beside its manifest so that `atrous status` can ask Slurm about them:
// <manifest dir>/slurm/jobs.json, written atomically by `atrous sweep --backend slurm --submit`, one entry per
// array job in submission order (a later submission of the same sweep appends):
//
//   {"format": 1, "submissions": [{"job": "12", "script": "array-0.sh", "ranks": 1,
//                                  "tasks": {"0": [0], "3": [3]}}, ...]}      // array task id -> manifest indices
#include <map>
#include <string>
#include <vector>

namespace atrous {

struct SlurmSubmission {
  std::string job;     // the array job id
  std::string script;  // array-<n>.sh
  int ranks = 1;
  std::map<int, std::vector<int>> tasks;  // array task id -> the manifest indices it runs
};

// <manifest dir>/slurm/jobs.json
std::string slurm_jobs_file(const std::string& manifest_dir);

// Appends `submitted` to the manifest folder's jobs file (temporary file + rename).
void record_slurm_submissions(const std::string& manifest_dir, const std::vector<SlurmSubmission>& submitted);
// Every submission recorded, oldest first; empty when there is no jobs file. Errors name the file.
std::vector<SlurmSubmission> read_slurm_submissions(const std::string& manifest_dir);

// Manifest index -> "RUNNING (12_3)": the state Slurm gives (slurm_task_states' map, "job_task" -> state) for
// the task of the latest submission that runs the index; indices whose task Slurm does not know are left out.
std::map<int, std::string> slurm_index_states(const std::vector<SlurmSubmission>& submissions,
                                              const std::map<std::string, std::string>& task_states);

}  // namespace atrous
