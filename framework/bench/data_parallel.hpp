#pragma once
// `atrous bench --ranks 1,2`: data-parallel scaling on this machine. The command
// re-launches itself under `mpirun -np N` for each N; every rank trains on its
// shard of the same global batch (the trainer's path: TrainStep with the loss's
// totals and the gradients summed over the ranks), and rank 0 reports the step
// time, the gradient allreduce (bytes, MPI calls, time) and allreduce latency and
// bandwidth over a range of message sizes — what a multi-node estimate needs.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/benchmark.hpp"
#include "train/collective.hpp"

namespace atrous::bench {

// Times of one MPI_Allreduce of `bytes`: the median, and the minimum — on a machine shared
// with other jobs a rank that is not scheduled stalls its peer, so the minimum is the cost
// of the transfer itself and the median what this machine gave at the time.
struct AllreduceSample {
  int64_t bytes = 0;
  double ms = 0, min_ms = 0;
};

struct ScalingResult {
  std::string model;
  int ranks = 1, threads_per_rank = 0;
  int64_t global_batch = 0, height = 0, width = 0;
  double step_ms = 0;  // median training step of the global batch (rank 0's clock)
  double img_per_s = 0;
  int64_t gradient_bytes = 0, allreduce_calls = 0;  // per step
  AllreduceSample gradient_allreduce;               // all the gradients' buckets, measured on their own
  std::vector<AllreduceSample> sweep;               // ranks > 1 only
  nlohmann::json to_json() const;
  static ScalingResult from_json(const nlohmann::json& j);
};

// One rank's part: `graph` built and not yet initialised; options.batch is the global batch.
ScalingResult run_data_parallel_benchmark(const std::string& model, Graph& graph, const BenchOptions& options,
                                          Collective& comm);

}  // namespace atrous::bench
