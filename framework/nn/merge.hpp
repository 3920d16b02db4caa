#pragma once
// What the layers merging several inputs (add: a sum; concat: along channels)
// share: the check of their inputs' shapes, and the forward half of a kernel
// around a oneDNN multi-source primitive (sum, concat).
#include <vector>

#include "nn/dnnl_util.hpp"
#include "nn/layer.hpp"

namespace atrous {

class MergeLayer : public Layer {
 protected:
  // For bind(): an AttrError at the inputs ("from"), naming them, unless there are
  // at least `min_inputs` and all have the first one's height and width (and
  // channels, with `same_channels`).
  void expect_agreeing_inputs(const std::vector<Shape>& inputs, size_t min_inputs, bool same_channels) const;
};

// Feeds each input to the primitive in the layout it asked for (reordering into
// a buffer of its own when the producer's differs) and writes the output.
// `Primitive` is dnnl::sum or dnnl::concat; subclasses add backward().
template <typename Primitive>
class MultiSourceKernel : public Kernel {
 public:
  using Desc = typename Primitive::primitive_desc;
  MultiSourceKernel(size_t inputs, Desc pd)
      : n_(inputs), pd_(std::move(pd)), prim_(pd_), src_bufs_(inputs), src_reorders_(inputs) {}

  md_t output_desc() const override { return pd_.dst_desc(); }

  void forward(const Inputs& in, Tensor& out) override {
    args_t args;
    for (size_t i = 0; i < in.size(); ++i)
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] =
          as_layout(*in[i], pd_.src_desc(static_cast<int>(i)), src_bufs_[i], src_reorders_[i]);
    args[DNNL_ARG_DST] = out.memory();
    execute(prim_, args);
  }

 protected:
  size_t n_;
  Desc pd_;

 private:
  Primitive prim_;
  std::vector<Tensor> src_bufs_;
  std::vector<CachedReorder> src_reorders_;
};

}  // namespace atrous
