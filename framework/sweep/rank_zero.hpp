#pragma once
// A worker started over several ranks: a run whose recipe says `ranks: N` (train.ranks) is launched as
// `mpirun -np N atrous worker ...` (local backend) or `srun` inside a Slurm task of N tasks. Every rank trains
// (the trainer's collectives keep them in step), but only rank 0 touches what records the run — the results
// database (claim, metrics, status), or the run journal, its heartbeats and the DONE marker. Rank 0 decides
// whether the run goes ahead, and with which config (a staged run's parent checkpoint is found by rank 0), and
// tells the others; they record nothing.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sweep/run_recorder.hpp"
#include "train/collective.hpp"

namespace atrous {

// The communicator of a worker launched with several ranks; nullptr for one process (MPI is not touched).
Collective* worker_ranks();

// Rank 0's decision about one run: exit with `exit_code` without training, or train `config`.
struct RankDecision {
  std::optional<int> exit_code;
  nlohmann::json config;
};
// Rank 0 sends `decision`; every rank returns what rank 0 sent.
RankDecision share_decision(Collective& comm, const RankDecision& decision = {});
// Rank 0 sends `value`; every rank returns it (e.g. whether a packed task goes on to its next run).
bool share_flag(Collective& comm, bool value);

// What the ranks other than 0 record: nothing.
class NoRecorder : public RunRecorder {
 public:
  double previous_wall_seconds() override { return 0; }
  void epoch(int64_t, int64_t, const std::map<std::string, double>&) override {}
  void artifact(const std::string&, const std::string&) override {}
  void summaries(const std::map<std::string, double>&) override {}
  void status(RunStatus, const std::string&) override {}
};

// A rank other than 0: waits for rank 0's decision about run `run_id`, then trains it in `out_dir` (reading
// its checkpoints to resume, writing nothing) or returns the exit code rank 0 chose.
int follow_rank_zero(Collective& comm, const std::string& run_id, const std::string& out_dir);

}  // namespace atrous
