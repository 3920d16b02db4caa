#pragma once
// The processes of one data-parallel run and the few collective operations the
// trainer needs, behind one small interface so that nothing else calls MPI or
// needs an #ifdef. Built with MPI (CMake option ATROUS_MPI) and launched by
// mpirun/srun, it is MPI_COMM_WORLD; otherwise — or when the process was not
// launched by an MPI launcher — it is a single process (rank 0 of 1) whose
// collectives do nothing, which is exactly their meaning for one process.
#include <cstdint>
#include <span>
#include <string>

namespace atrous {

class Collective {
 public:
  // The process's communicator. The first call initialises MPI when the process
  // was launched by an MPI launcher (and finalises it at exit); a process that
  // never asks (every run that is not data-parallel) never touches MPI.
  static Collective& world();
  // Whether this binary was built with MPI support.
  static bool built_with_mpi();
  // Whether an MPI launcher started this process with more than one rank
  // (read from the launcher's environment; does not initialise MPI).
  static bool launched_with_ranks();
  // Whether an MPI launcher (mpirun, srun --mpi=pmix) started this process, with any number of ranks.
  static bool launched_by_mpi();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }

  // In-place sums over all ranks; every rank gets the same result.
  void allreduce_sum(std::span<float> values);
  void allreduce_sum(std::span<double> values);
  // Rank `root`'s values to every rank.
  void broadcast(std::span<float> values, int root = 0);
  // Rank `root`'s text to every rank (any length; the others' `text` is replaced).
  void broadcast(std::string& text, int root = 0);
  void barrier();
  // Prints "error: rank R of N: message" and ends every rank with `code` (MPI_Abort),
  // so that an error on one rank does not leave the others waiting in a collective.
  [[noreturn]] void abort(const std::string& message, int code);
  // The same when this process is one of several ranks (world() has size > 1, or, before
  // it was asked for, the launcher started several); otherwise returns, and the caller
  // reports the error as usual.
  static void abort_if_parallel(const std::string& message, int code);

 private:
  Collective();
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

}  // namespace atrous
