#pragma once
// Synchronised batch norm for data-parallel training: the statistics are those
// of the global batch, every process holding a shard of it. The forward pass
// sums each channel's values and squared deviations over the processes, the
// backward pass the two reductions of the input gradient (sum dy, sum dy·x̂), so
// the result equals one process normalising the whole batch. oneDNN's primitive
// computes its statistics internally (no hook for a reduction), so this kernel is
// written out: plain NCHW, per-channel sums in double. It is used only for
// training passes of a BatchNorm given a reducer (BatchNorm::set_sync); inference
// and frozen layers keep the oneDNN kernel.
#include <functional>
#include <memory>
#include <span>

#include "nn/batchnorm.hpp"
#include "nn/graph.hpp"

namespace atrous {

std::unique_ptr<Kernel> make_sync_batchnorm_kernel(BatchNorm& layer, const md_t& input);

// Gives every batch norm of the graph the reducer (before the graph first runs:
// kernels are cached per plan). Returns how many it found.
int set_sync_batchnorm(Graph& graph, BatchNorm::SumReducer reducer);

}  // namespace atrous
