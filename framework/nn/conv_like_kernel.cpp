#include "nn/conv_like_kernel.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "nn/dnnl_util.hpp"
#include "nn/workspace_block.hpp"

namespace atrous {

using namespace dnnl;

namespace {

// What differs between the families in oneDNN 2.6: the primitive types (whose
// primitive descriptors are distinct types, so the kernel is a template) and the
// plain layout of the stored weight, in oneDNN's logical {O, I, kh, kw} view.
struct ConvolutionPrimitives {
  using forward = convolution_forward;
  using backward_data = convolution_backward_data;
  using backward_weights = convolution_backward_weights;
  static constexpr algorithm direct = algorithm::convolution_direct;
  static constexpr tag plain_weights = tag::oihw, plain_grouped_weights = tag::goihw;
};

// The weight is stored in PyTorch's ConvTranspose2d layout [I, O/G, kh, kw]:
// oneDNN's iohw / giohw.
struct DeconvolutionPrimitives {
  using forward = deconvolution_forward;
  using backward_data = deconvolution_backward_data;
  using backward_weights = deconvolution_backward_weights;
  static constexpr algorithm direct = algorithm::deconvolution_direct;
  static constexpr tag plain_weights = tag::iohw, plain_grouped_weights = tag::giohw;
};

template <class P>
class ConvLikeKernel : public Kernel {
 public:
  ConvLikeKernel(ConvLikeLayer& layer, const md_t& in) : L(layer), in_md(in) {
    const ConvWindow w = L.window();
    const Dims x = in.dims();
    const Dims y = L.output_dims({x});
    strides = w.strides;
    dilates = w.dilates;
    pad_l = w.pad_l;
    pad_r = w.pad_r;
    // In bf16 the primitives read bf16 (source, weights, output gradient) and write
    // f32 (output, input gradient, weight and bias gradients): the tensors between
    // layers and the parameters stay f32, converted here at the kernel's boundary.
    const auto compute = L.precision() == Precision::bf16 ? memory::data_type::bf16 : memory::data_type::f32;
    src_any = md_t(x, compute, tag::any);
    dst_any = any_desc(y);
    diff_src_any = any_desc(x);
    diff_dst_any = md_t(y, compute, tag::any);
    bias_md = md_t({L.out_channels()}, memory::data_type::f32, tag::a);
    const int64_t o = L.out_channels(), i = L.in_channels(), g = L.groups();
    const memory::dims w_dims = g == 1 ? memory::dims{o, i, w.kh, w.kw} : memory::dims{g, o / g, i / g, w.kh, w.kw};
    weights_any = md_t(w_dims, compute, tag::any);
    diff_weights_any = md_t(w_dims, memory::data_type::f32, tag::any);
    weights_plain = md_t(w_dims, memory::data_type::f32, g == 1 ? P::plain_weights : P::plain_grouped_weights);
    // The scratchpads are the graph's arena, like every other buffer of the kernel.
    primitive_attr attr = attr_scratch_only();
    if (L.relu_fused()) {
      post_ops ops;
      ops.append_eltwise(1.f, algorithm::eltwise_relu, L.relu_slope(), 0.f);
      attr.set_post_ops(ops);
    }
    // Always a training descriptor: inference-mode kernels must still give input
    // gradients (effective receptive fields), and both pick the same implementation.
    auto desc = L.has_bias() ? typename P::forward::desc(prop_kind::forward_training, P::direct, src_any, weights_any,
                                                         bias_md, dst_any, strides, dilates, pad_l, pad_r)
                             : typename P::forward::desc(prop_kind::forward_training, P::direct, src_any, weights_any,
                                                         dst_any, strides, dilates, pad_l, pad_r);
    fwd_pd = typename P::forward::primitive_desc(desc, attr, cpu_engine());
    if (compute == memory::data_type::bf16 && on_gemm()) pad_explicitly(x, attr);
    fwd = typename P::forward(fwd_pd);
    if (in_md != fwd_pd.src_desc()) forward_ws.add(src_buf, fwd_pd.src_desc());
    forward_ws.add(fwd_scratch, fwd_pd.scratchpad_desc());
  }

  // Backward's buffers, known once its primitives are made: the input and output
  // gradient in the layouts each primitive wants, the weight gradient before it
  // is reordered to the stored layout, the gradient through a fused ReLU, and the
  // scratchpads. Reorders of the weights themselves stay owned (ParamView): they
  // are parameter-sized, not activation-sized.
  void prepare_backward() override {
    ensure_backward();
    if (backward_ws_declared) return;
    backward_ws_declared = true;
    const md_t dst = fwd_pd.dst_desc();  // grad_out's layout, and the fused ReLU's gradient's
    if (in_md != bwd_w_pd.src_desc()) backward_ws.add(src_w_buf, bwd_w_pd.src_desc());
    if (dst != bwd_w_pd.diff_dst_desc()) backward_ws.add(dd_w_buf, bwd_w_pd.diff_dst_desc());
    const bool reuse_dd_w = dst != bwd_w_pd.diff_dst_desc() && bwd_w_pd.diff_dst_desc() == bwd_d_pd.diff_dst_desc();
    if (dst != bwd_d_pd.diff_dst_desc() && !reuse_dd_w) backward_ws.add(dd_d_buf, bwd_d_pd.diff_dst_desc());
    if (bwd_w_pd.diff_weights_desc() != weights_plain) backward_ws.add(dw_buf, bwd_w_pd.diff_weights_desc());
    if (bwd_d_pd.diff_src_desc() != in_md) backward_ws.add(ds_buf, bwd_d_pd.diff_src_desc());
    if (L.relu_fused()) backward_ws.add(relu_bwd.buffer(), dst);
    backward_ws.add(bwd_w_scratch, bwd_w_pd.scratchpad_desc());
    backward_ws.add(bwd_d_scratch, bwd_d_pd.scratchpad_desc());
  }
  KernelWorkspace workspace() const override { return {forward_ws.bytes(), backward_ws.bytes(), 0}; }
  void bind_workspace(std::byte* forward, std::byte* backward, std::byte*) override {
    forward_ws.bind(forward);
    backward_ws.bind(backward);
  }

  md_t output_desc() const override { return fwd_pd.dst_desc(); }
  // Note: oneDNN 2.6 runs large-padding convs (dilation 8+ at 32-64 channels) on
  // gemm in plain nchw. In f32, padding explicitly to stay on the JIT kernels
  // was tried and measured: no gain (gemm matches the JIT there), so it is done
  // in bf16 only, where it pays (pad_explicitly).
  std::string implementation() const override { return fwd_pd.impl_info_str(); }

  void forward(const Inputs& in, Tensor& out) override {
    args_t args;
    args[DNNL_ARG_SRC] = source(*in[0], fwd_pd.src_desc(), src_buf, src_reorder);
    args[DNNL_ARG_WEIGHTS] = fwd_weights.get(L.weight().value.data(), weights_plain, fwd_pd.weights_desc());
    if (L.has_bias()) args[DNNL_ARG_BIAS] = dnnl::memory(bias_md, cpu_engine(), L.bias()->value.data());
    args[DNNL_ARG_DST] = out.memory();
    if (auto pad = scratchpad_memory(fwd_scratch, fwd_pd.scratchpad_desc())) args[DNNL_ARG_SCRATCHPAD] = pad;
    execute(fwd, args);
  }

  void backward(const Inputs& in, const Tensor& out, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    ensure_backward();
    dnnl::memory diff_dst = grad_out.memory();
    if (L.relu_fused()) {
      diff_dst = relu_bwd(out, grad_out);
    }
    // Weights (and bias) gradient.
    {
      args_t args;
      // The forward pass's reordered input lived only through forward (its arena
      // space is reused since): reorder again, the same bits.
      args[DNNL_ARG_SRC] = source(*in[0], bwd_w_pd.src_desc(), src_w_buf, src_w_reorder);
      args[DNNL_ARG_DIFF_DST] = as_layout(diff_dst, bwd_w_pd.diff_dst_desc(), dd_w_buf, dd_w_reorder);
      const bool direct = bwd_w_pd.diff_weights_desc() == weights_plain;
      dnnl::memory dw = direct ? dnnl::memory(weights_plain, cpu_engine(), L.weight().grad.data())
                               : (dw_buf.ensure(bwd_w_pd.diff_weights_desc()), dw_buf.memory());
      args[DNNL_ARG_DIFF_WEIGHTS] = dw;
      if (L.has_bias()) args[DNNL_ARG_DIFF_BIAS] = dnnl::memory(bias_md, cpu_engine(), L.bias()->grad.data());
      if (auto pad = scratchpad_memory(bwd_w_scratch, bwd_w_pd.scratchpad_desc())) args[DNNL_ARG_SCRATCHPAD] = pad;
      execute(bwd_w, args);
      if (!direct) dw_out.put(dw, L.weight().grad.data(), weights_plain);
    }
    // Input gradient.
    if (grad_in[0]) {
      args_t args;
      // Reuse the weights pass's converted output gradient when the layouts agree.
      args[DNNL_ARG_DIFF_DST] = (!dd_w_buf.empty() && dd_w_buf.desc() == bwd_d_pd.diff_dst_desc() &&
                                 diff_dst.get_desc() != bwd_d_pd.diff_dst_desc())
                                    ? dd_w_buf.memory()
                                    : as_layout(diff_dst, bwd_d_pd.diff_dst_desc(), dd_d_buf, dd_d_reorder);
      args[DNNL_ARG_WEIGHTS] = bwd_d_pd.weights_desc() == fwd_pd.weights_desc()
                                   ? fwd_weights.get(L.weight().value.data(), weights_plain, fwd_pd.weights_desc())
                                   : bwd_weights.get(L.weight().value.data(), weights_plain, bwd_d_pd.weights_desc());
      const bool direct = bwd_d_pd.diff_src_desc() == grad_in[0]->desc();
      dnnl::memory ds = direct ? grad_in[0]->memory() : (ds_buf.ensure(bwd_d_pd.diff_src_desc()), ds_buf.memory());
      args[DNNL_ARG_DIFF_SRC] = ds;
      if (auto pad = scratchpad_memory(bwd_d_scratch, bwd_d_pd.scratchpad_desc())) args[DNNL_ARG_SCRATCHPAD] = pad;
      execute(bwd_d, args);
      if (!direct) ds_reorder(padded() ? interior(ds) : ds, grad_in[0]->memory());
    }
  }

 private:
  // The backward primitives are made on the first backward pass: a forward-only
  // kernel (inference, benchmarks) never pays for them.
  void ensure_backward() {
    if (bwd_ready) return;
    auto bd = typename P::backward_data::desc(P::direct, diff_src_any, weights_any, diff_dst_any, strides, dilates,
                                              pad_l, pad_r);
    bwd_d_pd = typename P::backward_data::primitive_desc(bd, attr_scratch_only(), cpu_engine(), fwd_pd);
    bwd_d = typename P::backward_data(bwd_d_pd);
    auto bw = L.has_bias() ? typename P::backward_weights::desc(P::direct, src_any, diff_weights_any, bias_md,
                                                                diff_dst_any, strides, dilates, pad_l, pad_r)
                           : typename P::backward_weights::desc(P::direct, src_any, diff_weights_any, diff_dst_any,
                                                                strides, dilates, pad_l, pad_r);
    bwd_w_pd = typename P::backward_weights::primitive_desc(bw, attr_scratch_only(), cpu_engine(), fwd_pd);
    bwd_w = typename P::backward_weights(bwd_w_pd);
    if (L.relu_fused()) relu_bwd.init(fwd_pd.dst_desc(), L.relu_slope());
    bwd_ready = true;
  }

  bool on_gemm() const { return std::string(fwd_pd.impl_info_str()).find("gemm") != std::string::npos; }
  bool padded() const { return pre_l[0] > 0 || pre_l[1] > 0 || pre_r[0] > 0 || pre_r[1] > 0; }

  // oneDNN 2.6 runs a bf16 convolution whose padding exceeds 15 (ASPP's rates
  // 16 and 18) on gemm, at about 2/3 of its JIT kernels' rate. Padding the
  // input explicitly by the excess, so that the primitive's own padding is at
  // most 15 (or 8), brings it back to the JIT kernels. The padded copy costs
  // nothing extra: the input is reordered into the primitive's bf16 layout
  // anyway, now into the interior of a zeroed buffer; backward-data's input
  // gradient is cropped back out of the padded one.
  void pad_explicitly(const Dims& x, const primitive_attr& attr) {
    if (!std::is_same_v<P, ConvolutionPrimitives>) return;
    for (const int64_t kept : {15, 8}) {
      memory::dims l = {std::max<int64_t>(0, pad_l[0] - kept), std::max<int64_t>(0, pad_l[1] - kept)};
      memory::dims r = {std::max<int64_t>(0, pad_r[0] - kept), std::max<int64_t>(0, pad_r[1] - kept)};
      if (l == memory::dims{0, 0} && r == memory::dims{0, 0}) return;
      const Dims xp = {x[0], x[1], x[2] + l[0] + r[0], x[3] + l[1] + r[1]};
      const md_t src_p(xp, src_any.data_type(), tag::any);
      const memory::dims pl = {pad_l[0] - l[0], pad_l[1] - l[1]}, pr = {pad_r[0] - r[0], pad_r[1] - r[1]};
      auto desc = L.has_bias() ? typename P::forward::desc(prop_kind::forward_training, P::direct, src_p, weights_any,
                                                           bias_md, dst_any, strides, dilates, pl, pr)
                               : typename P::forward::desc(prop_kind::forward_training, P::direct, src_p, weights_any,
                                                           dst_any, strides, dilates, pl, pr);
      typename P::forward::primitive_desc pd;
      try {
        pd = typename P::forward::primitive_desc(desc, attr, cpu_engine());
      } catch (const dnnl::error&) {
        continue;
      }
      if (std::string(pd.impl_info_str()).find("gemm") != std::string::npos) continue;
      fwd_pd = pd;
      src_any = src_p;
      diff_src_any = any_desc(xp);
      pad_l = pl;
      pad_r = pr;
      pre_l = l;
      pre_r = r;
      return;
    }
  }

  // The input in the layout `want`: as_layout, or with explicit padding zeros
  // and then the input in the interior.
  dnnl::memory source(const Tensor& x, const md_t& want, Tensor& buf, CachedReorder& reorder) {
    if (!padded()) return as_layout(x, want, buf, reorder);
    buf.ensure(want);
    std::memset(buf.memory().get_data_handle(), 0, want.get_size());
    reorder(x.memory(), interior(buf.memory()));
    return buf.memory();
  }
  // The input's part of a padded buffer.
  dnnl::memory interior(const dnnl::memory& m) const {
    return dnnl::memory(m.get_desc().submemory_desc(in_md.dims(), {0, 0, pre_l[0], pre_l[1]}), cpu_engine(),
                        m.get_data_handle());
  }

  static primitive_attr attr_scratch_only() {
    primitive_attr a;
    a.set_scratchpad_mode(scratchpad_mode::user);
    return a;
  }

  ConvLikeLayer& L;
  md_t in_md;  // the input's layout this kernel was made for (and its gradient's)
  md_t src_any, dst_any, diff_src_any, diff_dst_any, bias_md;
  md_t weights_any, diff_weights_any, weights_plain;  // the primitive's choice; the stored layout
  memory::dims strides, dilates, pad_l, pad_r;
  memory::dims pre_l = {0, 0}, pre_r = {0, 0};  // explicit padding of the input (pad_explicitly)
  typename P::forward::primitive_desc fwd_pd;
  typename P::forward fwd;
  bool bwd_ready = false;
  typename P::backward_data::primitive_desc bwd_d_pd;
  typename P::backward_data bwd_d;
  typename P::backward_weights::primitive_desc bwd_w_pd;
  typename P::backward_weights bwd_w;
  FusedReluBackward relu_bwd;
  Tensor src_buf, src_w_buf, dd_w_buf, dd_d_buf, dw_buf, ds_buf;
  Tensor fwd_scratch, bwd_w_scratch, bwd_d_scratch;
  WorkspaceBlock forward_ws, backward_ws;
  bool backward_ws_declared = false;
  CachedReorder src_reorder, src_w_reorder, dd_w_reorder, dd_d_reorder, ds_reorder;
  ParamView fwd_weights, bwd_weights, dw_out;
};

}  // namespace

std::unique_ptr<Kernel> make_conv_like_kernel(ConvLikeLayer& layer, const md_t& input) {
  switch (layer.family()) {
    case ConvFamily::convolution:
      return std::make_unique<ConvLikeKernel<ConvolutionPrimitives>>(layer, input);
    case ConvFamily::deconvolution:
      return std::make_unique<ConvLikeKernel<DeconvolutionPrimitives>>(layer, input);
  }
  return nullptr;  // unreachable: the switch covers every family
}

}  // namespace atrous
