#include "nn/pool2d.hpp"

#include "core/checked_int.hpp"
#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/workspace_block.hpp"
#include "nn/registry.hpp"

namespace atrous {

using namespace dnnl;

namespace {

class PoolKernel : public Kernel {
 public:
  PoolKernel(const PoolSpec& s, const md_t& in) : src_md(in) {
    const Dims x = in.dims();
    const Dims y = {x[0], x[1], PoolSpec::out_size(x[2], s.kh, s.sh, s.ph), PoolSpec::out_size(x[3], s.kw, s.sw, s.pw)};
    strides = {s.sh, s.sw};
    kernel = {s.kh, s.kw};
    // Symmetric padding as in PyTorch: oneDNN checks (in + pl + pr - k) / s + 1 ==
    // out with integer division, which the floor-mode size satisfies, and with
    // p <= k / 2 no window reaches past the right padding.
    pad = {s.ph, s.pw};
    alg = s.alg;
    // Always a training descriptor: max pooling needs its workspace for backward,
    // and inference-mode kernels must still give input gradients.
    auto d = pooling_forward::desc(prop_kind::forward_training, alg, src_md, any_desc(y), strides, kernel, pad, pad);
    fwd_pd = pooling_forward::primitive_desc(d, cpu_engine());
    fwd = pooling_forward(fwd_pd);
    // Max pooling's workspace (where each maximum was) lives from forward to
    // backward, like an activation.
    if (alg == algorithm::pooling_max) saved_ws.add(max_workspace, fwd_pd.workspace_desc());
  }

  void prepare_backward() override {
    ensure_backward();
    if (backward_ws_declared) return;
    backward_ws_declared = true;
    if (fwd_pd.dst_desc() != bwd_pd.diff_dst_desc()) backward_ws.add(dd_buf, bwd_pd.diff_dst_desc());
    if (src_md != bwd_pd.diff_src_desc()) backward_ws.add(ds_buf, bwd_pd.diff_src_desc());
  }
  KernelWorkspace workspace() const override { return {0, backward_ws.bytes(), saved_ws.bytes()}; }
  void bind_workspace(std::byte*, std::byte* backward, std::byte* saved) override {
    backward_ws.bind(backward);
    saved_ws.bind(saved);
  }

  md_t output_desc() const override { return fwd_pd.dst_desc(); }

  void forward(const Inputs& in, Tensor& out) override {
    args_t args{{DNNL_ARG_SRC, as_layout(*in[0], fwd_pd.src_desc(), src_buf, src_reorder)},
                {DNNL_ARG_DST, out.memory()}};
    if (alg == algorithm::pooling_max) args[DNNL_ARG_WORKSPACE] = workspace_memory();
    execute(fwd, args);
  }

  void backward(const Inputs&, const Tensor&, const Tensor& grad_out, const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;  // no parameters
    ensure_backward();
    args_t args{{DNNL_ARG_DIFF_DST, as_layout(grad_out, bwd_pd.diff_dst_desc(), dd_buf, dd_reorder)}};
    if (alg == algorithm::pooling_max) args[DNNL_ARG_WORKSPACE] = workspace_memory();
    const bool direct = bwd_pd.diff_src_desc() == grad_in[0]->desc();
    if (!direct) ds_buf.ensure(bwd_pd.diff_src_desc());
    args[DNNL_ARG_DIFF_SRC] = direct ? grad_in[0]->memory() : ds_buf.memory();
    execute(bwd, args);
    if (!direct) ds_reorder(ds_buf.memory(), grad_in[0]->memory());
  }

 private:
  void ensure_backward() {
    if (bwd) return;
    auto d = pooling_backward::desc(alg, src_md, fwd_pd.dst_desc(), strides, kernel, pad, pad);
    bwd_pd = pooling_backward::primitive_desc(d, cpu_engine(), fwd_pd);
    bwd = pooling_backward(bwd_pd);
  }
  dnnl::memory workspace_memory() {
    max_workspace.ensure(fwd_pd.workspace_desc());
    return max_workspace.memory();
  }

  md_t src_md;
  memory::dims strides, kernel, pad;
  algorithm alg;
  pooling_forward::primitive_desc fwd_pd;
  pooling_forward fwd;
  pooling_backward::primitive_desc bwd_pd;
  pooling_backward bwd;
  Tensor max_workspace;  // where each maximum was
  WorkspaceBlock saved_ws, backward_ws;
  bool backward_ws_declared = false;
  Tensor src_buf, dd_buf, ds_buf;
  CachedReorder src_reorder, dd_reorder, ds_reorder;
};

}  // namespace

int64_t PoolSpec::out_size(int64_t in, int64_t k, int64_t s, int64_t p) {
  const CheckedInt r = (CheckedInt(in) + CheckedInt(2) * p - k) / s + 1;
  if (!r.ok())
    throw Error(fmt::format("the output size overflows 64-bit integers (input {}, 'kernel' {}, 'stride' {}, "
                            "'padding' {})",
                            in, k, s, p),
                Error::Kind::usage);
  return r.value();
}

std::unique_ptr<Kernel> make_pool_kernel(const PoolSpec& spec, const md_t& input) {
  return std::make_unique<PoolKernel>(spec, input);
}

Pool2d::Pool2d(const Attrs& a, bool max) : max_(max) {
  std::tie(spec_.kh, spec_.kw) = a.get_pair("kernel");
  std::tie(spec_.sh, spec_.sw) = a.get_pair("stride", {spec_.kh, spec_.kw});
  std::tie(spec_.ph, spec_.pw) = a.get_pair("padding", {0, 0});
  if (max) {
    spec_.alg = algorithm::pooling_max;
  } else {
    spec_.alg = a.get_bool("count_include_pad", true) ? algorithm::pooling_avg_include_padding
                                                     : algorithm::pooling_avg_exclude_padding;
  }
  a.require(spec_.kh > 0 && spec_.kw > 0, "kernel", "must be positive");
  a.require(spec_.sh > 0 && spec_.sw > 0, "stride", "must be positive");
  // PyTorch's rule; a larger padding would give windows lying wholly in the padding.
  a.require(spec_.ph >= 0 && spec_.pw >= 0 && spec_.ph <= spec_.kh / 2 && spec_.pw <= spec_.kw / 2, "padding",
            fmt::format("must be non-negative and at most half the kernel ({}x{})", spec_.kh, spec_.kw));
}

Shape Pool2d::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  const Dims y = output_dims({{1, inputs[0].c, inputs[0].h, inputs[0].w}});
  return {y[1], y[2], y[3]};
}

Dims Pool2d::output_dims(const std::vector<Dims>& in) const {
  const Dims& x = in[0];
  // Padding is at most half the kernel, so in + 2p - k cannot overflow for a positive input.
  check_attr(x[2] - spec_.kh + 2 * spec_.ph >= 0 && x[3] - spec_.kw + 2 * spec_.pw >= 0, "kernel",
             "input {} is smaller than the kernel {}x{}", dims_str(x), spec_.kh, spec_.kw);
  return {x[0], x[1], PoolSpec::out_size(x[2], spec_.kh, spec_.sh, spec_.ph),
          PoolSpec::out_size(x[3], spec_.kw, spec_.sw, spec_.pw)};
}

std::unique_ptr<Kernel> Pool2d::make_kernel(const std::vector<md_t>& inputs, bool) {
  return make_pool_kernel(spec_, inputs[0]);
}

double Pool2d::flops(const std::vector<Dims>& in) const {
  const Dims y = output_dims(in);
  return static_cast<double>(y[1]) * static_cast<double>(y[2]) * static_cast<double>(y[3]) *
         static_cast<double>(spec_.kh) * static_cast<double>(spec_.kw);
}

ATROUS_REGISTER_LAYER("maxpool", [](const Attrs& a) { return std::make_unique<Pool2d>(a, true); });
ATROUS_REGISTER_LAYER("avgpool", [](const Attrs& a) { return std::make_unique<Pool2d>(a, false); });

}  // namespace atrous
