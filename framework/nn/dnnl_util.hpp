#pragma once
// Small helpers shared by the layers' kernels: feed a primitive the layout it
// asked for, reordering only when the producer's layout differs.
#include <dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "core/context.hpp"
#include "core/tensor.hpp"

namespace atrous {

using args_t = std::unordered_map<int, dnnl::memory>;

// Returns t's memory when it already has layout `want`, else reorders t into
// `buffer` (allocated once) and returns that.
dnnl::memory as_layout(const Tensor& t, const md_t& want, Tensor& buffer, CachedReorder& reorder);

// The same for a memory that is not a Tensor (e.g. a gradient computed in a buffer).
dnnl::memory as_layout(const dnnl::memory& m, const md_t& want, Tensor& buffer, CachedReorder& reorder);

// Backward of a ReLU fused into a producer as a post-op: the gradient through
// the rectifier, computed from the producer's (rectified) output. Valid for
// negative slopes >= 0 (leaky ReLUs with negative slopes are not fused).
class FusedReluBackward {
 public:
  void init(const md_t& dst, float negative_slope);
  // Returns grad_out masked by the ReLU's derivative (in `dst`'s layout).
  const dnnl::memory& operator()(const Tensor& dst, const Tensor& grad_out);
  // Where the masked gradient goes (dst's descriptor), for a kernel's workspace.
  Tensor& buffer() { return grad_; }

 private:
  dnnl::eltwise_backward prim_;
  Tensor grad_;
};

// A parameter stored in plain layout, seen by a primitive in the layout it wants.
class ParamView {
 public:
  // Points at the plain array (data may move between calls; it is re-bound each time).
  dnnl::memory get(float* plain_data, const md_t& plain_md, const md_t& want);
  // Writes `from` (in layout from.get_desc()) into the plain array.
  void put(const dnnl::memory& from, float* plain_data, const md_t& plain_md);

 private:
  dnnl::memory user_;
  Tensor converted_;
  CachedReorder reorder_;
};

inline void execute(dnnl::primitive& prim, const args_t& args) {
  prim.execute(cpu_stream(), args);
}

}  // namespace atrous
