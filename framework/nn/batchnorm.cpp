#include "nn/batchnorm.hpp"

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/workspace_block.hpp"
#include "nn/init.hpp"
#include "nn/registry.hpp"
#include "nn/sync_batchnorm.hpp"

namespace atrous {

using namespace dnnl;

BatchNorm::BatchNorm(const Attrs& a) {
  momentum_ = static_cast<float>(a.get_float("momentum", 0.1));
  eps_ = static_cast<float>(a.get_float("eps", 1e-5));
  affine_ = a.get_bool("affine", true);
  a.require(momentum_ >= 0.f && momentum_ <= 1.f, "momentum", "must be in [0, 1]");
  a.require(eps_ > 0.f, "eps", "must be positive");
}

Shape BatchNorm::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  channels_ = inputs[0].c;
  const Dims d{channels_};
  // Storage starts at the default initialisation (scale and variance 1), so an
  // uninitialised graph normalises like PyTorch's fresh module.
  if (affine_) {
    weight_ = std::make_unique<Param>("weight", d, Param::Role::norm, 1.f);
    bias_ = std::make_unique<Param>("bias", d, Param::Role::norm);
  }
  running_mean_ = std::make_unique<Param>("running_mean", d, Param::Role::buffer);
  running_var_ = std::make_unique<Param>("running_var", d, Param::Role::buffer, 1.f);
  return inputs[0];
}

std::vector<Param*> BatchNorm::params() {
  std::vector<Param*> p;
  if (affine_) p = {weight_.get(), bias_.get()};
  p.push_back(running_mean_.get());
  p.push_back(running_var_.get());
  return p;
}

void BatchNorm::init(Rng&) {
  if (affine_) {
    init::constant(*weight_, 1.f);
    init::constant(*bias_, 0.f);
  }
  init::constant(*running_mean_, 0.f);
  init::constant(*running_var_, 1.f);
}

double BatchNorm::flops(const std::vector<Dims>& in) const {
  // Inference folds into one multiply-add per element.
  return 2.0 * static_cast<double>(in[0][1]) * static_cast<double>(in[0][2]) * static_cast<double>(in[0][3]);
}

bool BatchNorm::fuse_relu(float negative_slope) {
  // oneDNN's fuse_norm_relu implies slope 0; in training it is the only fused form.
  if (relu_ || negative_slope != 0.f) return false;
  relu_ = true;
  return true;
}

namespace {

// oneDNN's batch norm on plain nchw (ncsp_bnorm) is ~30x slower than on the
// blocked nChw16c layout, and plain inputs do occur: oneDNN 2.6 runs convs with
// large dilations (ASPP rates 12, 18) through gemm in nchw. Normalising in the
// blocked layout costs one reorder each way and keeps the activations blocked.
md_t compute_desc(const md_t& in) {
  const Dims d = in.dims();
  if (is_plain(in) && d[1] >= 8) return md_t(d, memory::data_type::f32, tag::aBcd16b);
  return in;
}

class BatchNormKernel : public Kernel {
 public:
  BatchNormKernel(BatchNorm& layer, const md_t& in, bool training) : L(layer), training_(training), in_md_(in) {
    const Dims d = in.dims();
    check(d.size() == 4 && d[1] == L.channels(), "batchnorm: expected Nx{}xHxW input, got {}", L.channels(),
          dims_str(d));
    count_ = d[0] * d[2] * d[3];
    // PyTorch refuses this too: one value per channel has no variance, and the
    // unbiased estimate for the running variance would divide by zero.
    check(!training || count_ > 1,
          "batchnorm in training needs more than one value per channel, got input {}", dims_str(d));
    stat_md_ = md_t({L.channels()}, memory::data_type::f32, tag::a);
    flags_ = normalization_flags::none;
    if (L.affine()) flags_ = flags_ | normalization_flags::use_scale | normalization_flags::use_shift;
    if (!training) flags_ = flags_ | normalization_flags::use_global_stats;
    if (L.relu_fused()) flags_ = flags_ | normalization_flags::fuse_norm_relu;
    // Always a training descriptor so that inference-mode kernels can run
    // backward too (the fused ReLU then keeps its workspace).
    auto desc = batch_normalization_forward::desc(prop_kind::forward_training, compute_desc(in), L.eps(), flags_);
    fwd_pd_ = batch_normalization_forward::primitive_desc(desc, cpu_engine());
    fwd_ = batch_normalization_forward(fwd_pd_);
    // Kept from forward to backward: the fused ReLU's workspace and, when
    // backward will run (always after a training forward, else once
    // prepare_backward says so), the input in the compute layout, which
    // backward reads again. Batch statistics are per-channel: small, owned.
    if (L.relu_fused()) saved_ws_.add(workspace_, fwd_pd_.workspace_desc());
    if (training) keep_source();
    if (training) {
      mean_ = Tensor(fwd_pd_.mean_desc());
      var_ = Tensor(fwd_pd_.variance_desc());
    }
  }

  md_t output_desc() const override { return fwd_pd_.dst_desc(); }

  void prepare_backward() override {
    keep_source();
    ensure_backward();
    if (backward_ws_declared_) return;
    backward_ws_declared_ = true;
    if (fwd_pd_.dst_desc() != bwd_pd_.diff_dst_desc()) backward_ws_.add(dd_buf_, bwd_pd_.diff_dst_desc());
    if (in_md_ != bwd_pd_.diff_src_desc()) backward_ws_.add(ds_buf_, bwd_pd_.diff_src_desc());
  }
  KernelWorkspace workspace() const override { return {0, backward_ws_.bytes(), saved_ws_.bytes()}; }
  void bind_workspace(std::byte*, std::byte* backward, std::byte* saved) override {
    backward_ws_.bind(backward);
    saved_ws_.bind(saved);
  }

  void forward(const Inputs& in, Tensor& out) override {
    args_t args;
    source_kept_ = source_declared_ && in[0]->desc() != fwd_pd_.src_desc();
    if (!source_declared_ && in[0]->desc() != fwd_pd_.src_desc()) {
      // Forward only: the input goes into the compute layout straight in the
      // output (dst has src's layout), and is normalised there in place; no copy
      // of it is kept (a later backward reorders it again).
      src_reorder_(in[0]->memory(), out.memory());
      args[DNNL_ARG_SRC] = out.memory();
    } else {
      args[DNNL_ARG_SRC] = as_layout(*in[0], fwd_pd_.src_desc(), src_buf_, src_reorder_);
    }
    args[DNNL_ARG_DST] = out.memory();
    add_stats_and_params(args);
    execute(fwd_, args);
    if (training_) update_running_stats();
  }

  void backward(const Inputs& in, const Tensor&, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0] && !L.affine()) return;
    ensure_backward();
    args_t args;
    // The forward pass already put this input in the compute layout (unless it
    // ran forward-only).
    const bool reuse = source_kept_ && src_buf_.desc() == bwd_pd_.src_desc();
    args[DNNL_ARG_SRC] = reuse ? src_buf_.memory() : as_layout(*in[0], bwd_pd_.src_desc(), src_buf_, src_reorder_);
    args[DNNL_ARG_DIFF_DST] = as_layout(grad_out, bwd_pd_.diff_dst_desc(), dd_buf_, dd_reorder_);
    add_stats_and_params(args);
    // oneDNN always writes diff_src: into grad_in directly when it can.
    const bool direct = grad_in[0] && grad_in[0]->desc() == bwd_pd_.diff_src_desc();
    if (!direct) ds_buf_.ensure(bwd_pd_.diff_src_desc());
    args[DNNL_ARG_DIFF_SRC] = direct ? grad_in[0]->memory() : ds_buf_.memory();
    if (L.affine()) {
      args[DNNL_ARG_DIFF_SCALE] = dnnl::memory(stat_md_, cpu_engine(), L.weight()->grad.data());
      args[DNNL_ARG_DIFF_SHIFT] = dnnl::memory(stat_md_, cpu_engine(), L.bias()->grad.data());
    }
    execute(bwd_, args);
    if (grad_in[0] && !direct) ds_reorder_(ds_buf_.memory(), grad_in[0]->memory());
  }

 private:
  // Statistics (batch ones in training, running ones in inference), scale/shift
  // and the ReLU workspace: the arguments forward and backward share.
  void add_stats_and_params(args_t& args) {
    if (training_) {
      args[DNNL_ARG_MEAN] = mean_.memory();
      args[DNNL_ARG_VARIANCE] = var_.memory();
    } else {
      args[DNNL_ARG_MEAN] = dnnl::memory(stat_md_, cpu_engine(), L.running_mean().value.data());
      args[DNNL_ARG_VARIANCE] = dnnl::memory(stat_md_, cpu_engine(), L.running_var().value.data());
    }
    if (L.affine()) {
      args[DNNL_ARG_SCALE] = dnnl::memory(stat_md_, cpu_engine(), L.weight()->value.data());
      args[DNNL_ARG_SHIFT] = dnnl::memory(stat_md_, cpu_engine(), L.bias()->value.data());
    }
    if (L.relu_fused()) {
      workspace_.ensure(fwd_pd_.workspace_desc());
      args[DNNL_ARG_WORKSPACE] = workspace_.memory();
    }
  }

  void update_running_stats() {
    cpu_stream().wait();
    const float m = L.momentum();
    // oneDNN's batch variance is the biased one (divides by the count).
    const float unbias = static_cast<float>(count_) / static_cast<float>(count_ - 1);
    const float* mean = mean_.data();
    const float* var = var_.data();
    auto& rm = L.running_mean().value;
    auto& rv = L.running_var().value;
    for (size_t c = 0; c < rm.size(); ++c) {
      rm[c] = (1.f - m) * rm[c] + m * mean[c];
      rv[c] = (1.f - m) * rv[c] + m * var[c] * unbias;
    }
  }

  // Declares the input's copy in the compute layout as kept for backward.
  void keep_source() {
    if (source_declared_) return;
    source_declared_ = true;
    if (in_md_ != fwd_pd_.src_desc()) saved_ws_.add(src_buf_, fwd_pd_.src_desc());
  }

  void ensure_backward() {
    if (bwd_ready_) return;
    // prop_kind::backward also computes the scale/shift gradients.
    const auto pk = L.affine() ? prop_kind::backward : prop_kind::backward_data;
    auto desc = batch_normalization_backward::desc(pk, fwd_pd_.dst_desc(), fwd_pd_.src_desc(), L.eps(), flags_);
    bwd_pd_ = batch_normalization_backward::primitive_desc(desc, cpu_engine(), fwd_pd_);
    bwd_ = batch_normalization_backward(bwd_pd_);
    bwd_ready_ = true;
  }

  BatchNorm& L;
  bool training_;
  int64_t count_ = 0;  // values per channel: N * H * W
  md_t stat_md_;
  normalization_flags flags_;
  batch_normalization_forward::primitive_desc fwd_pd_;
  batch_normalization_forward fwd_;
  bool bwd_ready_ = false;
  batch_normalization_backward::primitive_desc bwd_pd_;
  batch_normalization_backward bwd_;
  md_t in_md_;  // the input's layout this kernel was made for (and its gradient's)
  Tensor workspace_;  // the fused ReLU's, from forward to backward
  WorkspaceBlock saved_ws_, backward_ws_;
  bool backward_ws_declared_ = false;
  bool source_declared_ = false;  // training, or prepare_backward: forward keeps its input's copy
  bool source_kept_ = false;      // the last forward left the input's copy in src_buf_
  Tensor mean_, var_;  // the last training forward's batch statistics, for backward
  Tensor src_buf_, dd_buf_, ds_buf_;
  CachedReorder src_reorder_, dd_reorder_, ds_reorder_;
};

}  // namespace

std::unique_ptr<Kernel> BatchNorm::make_kernel(const std::vector<md_t>& inputs, bool training) {
  if (training && sync_) return make_sync_batchnorm_kernel(*this, inputs[0]);
  return std::make_unique<BatchNormKernel>(*this, inputs[0], training);
}

ATROUS_REGISTER_LAYER("batchnorm", [](const Attrs& a) { return std::make_unique<BatchNorm>(a); });

}  // namespace atrous
