#pragma once
// Batch normalisation (Ioffe & Szegedy 2015) over the channels of an NCHW tensor,
// with PyTorch's conventions: running = (1 - momentum) * running + momentum * batch,
// the running variance updated with the unbiased batch variance. Training uses the
// batch statistics, inference the running ones; both modes have a backward pass
// (inference-mode input gradients give effective receptive fields of trained models).
// A following ReLU (slope 0) can be fused (oneDNN's fuse_norm_relu).
#include <functional>
#include <memory>
#include <span>

#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(const Attrs& a);
  std::string type() const override { return "batchnorm"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override { return inputs[0]; }
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  std::vector<Param*> params() override;
  void init(Rng& rng) override;
  double flops(const std::vector<Dims>& inputs) const override;
  bool fuse_relu(float negative_slope) override;
  // oneDNN's backward reads the input (and, with a fused ReLU, its own
  // workspace), not the output; the synchronised kernel reads the output as the
  // fused ReLU's mask. A value nobody's backward reads is freed sooner.
  bool backward_reads_output() const override { return relu_ && sync_; }
  // In inference it normalises in place when its input has the compute layout
  // (and nothing reads that input afterwards: the graph's memory plan decides).
  bool runs_in_place(bool training) const override { return !training; }

  int64_t channels() const { return channels_; }
  float momentum() const { return momentum_; }
  float eps() const { return eps_; }
  bool affine() const { return affine_; }
  bool relu_fused() const { return relu_; }
  Param* weight() { return weight_.get(); }
  Param* bias() { return bias_.get(); }
  Param& running_mean() { return *running_mean_; }
  Param& running_var() { return *running_var_; }

  // Synchronised batch norm (nn/sync_batchnorm.hpp): training passes take their statistics
  // over every data-parallel process, `reducer` summing a vector over them in place.
  using SumReducer = std::function<void(std::span<double>)>;
  void set_sync(SumReducer reducer) { sync_ = std::move(reducer); }
  const SumReducer& sync() const { return sync_; }

 private:
  int64_t channels_ = 0;
  float momentum_ = 0.1f, eps_ = 1e-5f;
  bool affine_ = true;
  bool relu_ = false;
  std::unique_ptr<Param> weight_, bias_, running_mean_, running_var_;
  SumReducer sync_;
};

}  // namespace atrous
