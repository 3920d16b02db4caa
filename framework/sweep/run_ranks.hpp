#pragma once
// How a sweep launches a run that trains over several ranks (the recipe's `ranks: N`, train/recipe.hpp): the
// local backend starts its worker under `mpirun -np N`; a Slurm array task asks for N tasks and starts it
// with srun (sweep/slurm_script.hpp). Whatever launches it, rank 0 alone records the run (sweep/rank_zero.hpp).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrous {

// The ranks a resolved run config asks for: train.ranks, 1 when absent.
int run_ranks(const nlohmann::json& config);

// The words that start N ranks of a program on this machine: mpirun -np N, with --oversubscribe (more ranks
// than free cores is slower, not wrong), --bind-to none (OpenMPI binds each of 2 or fewer ranks to one core
// by default, which would squeeze a rank's OpenMP threads onto it) and, as root, --allow-run-as-root.
std::vector<std::string> local_mpirun_prefix(int ranks);

// Why runs over `ranks` ranks cannot be started here ("" when they can): MPI not built in, mpirun missing.
std::string ranks_unavailable(int ranks);

}  // namespace atrous
