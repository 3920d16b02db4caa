#pragma once
// Data-parallel training: sums the trainable parameters' gradients over every
// process (the loss is already normalised over the global batch, so the sum is
// the one-process gradient). Small gradients are packed into buckets of about
// 4 MB so that a model of many small tensors costs a few MPI calls per step, not
// one per tensor; a gradient at least as large as a bucket is reduced in place.
// Not overlapped with backward: `atrous bench --ranks` measures the allreduce
// at a few percent of a step on one machine, too little to pay for the machinery.
#include <cstdint>
#include <vector>

#include "nn/graph.hpp"
#include "train/collective.hpp"

namespace atrous {

class GradientAllreduce {
 public:
  static constexpr int64_t kBucketBytes = int64_t{4} << 20;

  GradientAllreduce(Collective& comm, const std::vector<NamedParam>& params, int64_t bucket_bytes = kBucketBytes);
  // Sums every trainable, unfrozen parameter's gradient over the processes.
  void run();
  int64_t bytes() const { return bytes_; }     // gradient bytes reduced per step
  int64_t calls() const { return calls_; }     // MPI calls per step
  double seconds() const { return seconds_; }  // time spent in run(), in total

 private:
  Collective& comm_;
  std::vector<Param*> params_;
  std::vector<float> bucket_;
  int64_t bucket_floats_ = 0, bytes_ = 0, calls_ = 0;
  double seconds_ = 0;
};

}  // namespace atrous
