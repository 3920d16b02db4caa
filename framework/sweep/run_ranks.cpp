#include "sweep/run_ranks.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "sweep/slurm_cli.hpp"
#include "train/collective.hpp"

namespace atrous {

int run_ranks(const nlohmann::json& config) {
  const nlohmann::json::json_pointer at("/train/ranks");
  return config.contains(at) && config[at].is_number_integer() ? config[at].get<int>() : 1;
}

std::vector<std::string> local_mpirun_prefix(int ranks) {
  std::vector<std::string> words = {"mpirun", "-np", std::to_string(ranks), "--oversubscribe", "--bind-to", "none"};
  if (::geteuid() == 0) words.push_back("--allow-run-as-root");
  return words;
}

std::string ranks_unavailable(int ranks) {
  if (ranks <= 1) return "";
  if (!Collective::built_with_mpi())
    return fmt::format("a run over {} ranks (train.ranks) needs MPI, and this atrous was built without it (install "
                       "libopenmpi-dev and reconfigure: CMake option ATROUS_MPI)",
                       ranks);
  if (!find_on_path("mpirun"))
    return fmt::format("a run over {} ranks (train.ranks) is started with mpirun, which is not on the PATH (Debian: "
                       "openmpi-bin, installed by scripts/bootstrap)",
                       ranks);
  return "";
}

}  // namespace atrous
