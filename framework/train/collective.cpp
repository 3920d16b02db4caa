#include "train/collective.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "core/error.hpp"

#if ATROUS_HAVE_MPI
#include <mpi.h>
#endif

namespace atrous {

namespace {

// Sizes of one MPI call: counts are ints.
constexpr size_t kMaxCount = static_cast<size_t>(std::numeric_limits<int>::max());

// The launchers' environment: OpenMPI's mpirun, PMIx (Slurm's srun, OpenMPI 4/5), MPICH/Hydra's PMI.
// 0: not launched by one. PMIx gives a rank but no size: under srun (--mpi=pmix) the step's task count
// (SLURM_STEP_NUM_TASKS, which srun sets for each task it starts), else 1 and MPI knows.
int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name)) return std::max(1, std::atoi(v));
  if (!std::getenv("PMIX_RANK")) return 0;
  const char* step_tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  return step_tasks ? std::max(1, std::atoi(step_tasks)) : 1;
}

const Collective* g_world = nullptr;  // set once world() has been created

}  // namespace

bool Collective::built_with_mpi() { return ATROUS_HAVE_MPI != 0; }

bool Collective::launched_with_ranks() { return launcher_size() > 1; }

bool Collective::launched_by_mpi() { return launcher_size() >= 1; }

Collective& Collective::world() {
  static Collective instance;
  g_world = &instance;
  return instance;
}

void Collective::abort_if_parallel(const std::string& message, int code) {
  // Also before world() was asked for: the other ranks may already wait in a collective.
  const bool ranks = g_world ? g_world->size_ > 1 : launched_with_ranks() && built_with_mpi();
  if (ranks) world().abort(message, code);
}

Collective::Collective() {
  if (launcher_size() < 1) return;  // not launched by mpirun/srun: one process, MPI untouched
#if ATROUS_HAVE_MPI
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    // Only the training thread calls MPI (OpenMP workers and the loader's thread never do).
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    std::atexit([] {
      int finalised = 0;
      MPI_Finalized(&finalised);
      if (!finalised) MPI_Finalize();
    });
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  mpi_ = true;
#else
  // Every rank would train the whole batch alone and write the same files.
  if (launcher_size() > 1)
    throw Error(fmt::format("this atrous was built without MPI (CMake option ATROUS_MPI=OFF, or no MPI found) but "
                            "was launched as one of {} ranks; rebuild with libopenmpi-dev installed",
                            launcher_size()),
                Error::Kind::usage);
#endif
}

void Collective::allreduce_sum(std::span<float> values) {
  if (size_ == 1) return;
#if ATROUS_HAVE_MPI
  for (size_t done = 0; done < values.size(); done += kMaxCount) {
    const int n = static_cast<int>(std::min(kMaxCount, values.size() - done));
    MPI_Allreduce(MPI_IN_PLACE, values.data() + done, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  }
#endif
}

void Collective::allreduce_sum(std::span<double> values) {
  if (size_ == 1) return;
#if ATROUS_HAVE_MPI
  for (size_t done = 0; done < values.size(); done += kMaxCount) {
    const int n = static_cast<int>(std::min(kMaxCount, values.size() - done));
    MPI_Allreduce(MPI_IN_PLACE, values.data() + done, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  }
#endif
}

void Collective::broadcast(std::span<float> values, int root) {
  if (size_ == 1) return;
#if ATROUS_HAVE_MPI
  for (size_t done = 0; done < values.size(); done += kMaxCount) {
    const int n = static_cast<int>(std::min(kMaxCount, values.size() - done));
    MPI_Bcast(values.data() + done, n, MPI_FLOAT, root, MPI_COMM_WORLD);
  }
#else
  (void)root;
#endif
}

void Collective::broadcast(std::string& text, int root) {
  if (size_ == 1) return;
#if ATROUS_HAVE_MPI
  uint64_t length = text.size();
  MPI_Bcast(&length, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
  text.resize(length);
  for (size_t done = 0; done < length; done += kMaxCount) {
    const int n = static_cast<int>(std::min<size_t>(kMaxCount, length - done));
    MPI_Bcast(text.data() + done, n, MPI_CHAR, root, MPI_COMM_WORLD);
  }
#else
  (void)root;
#endif
}

void Collective::barrier() {
#if ATROUS_HAVE_MPI
  if (size_ > 1) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void Collective::abort(const std::string& message, int code) {
  fmt::print(stderr, "error: rank {} of {}: {}\n", rank_, size_, message);
  std::fflush(stderr);
#if ATROUS_HAVE_MPI
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::_Exit(code);
}

}  // namespace atrous
