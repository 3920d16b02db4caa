#include "nn/deconv2d.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/checked_int.hpp"
#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/init.hpp"
#include "nn/registry.hpp"

namespace atrous {

using namespace dnnl;

int64_t DeconvGeometry::out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t op, int64_t d) {
  const CheckedInt r =
      (CheckedInt(in) - 1) * s - CheckedInt(2) * p + CheckedInt(d) * (CheckedInt(k) - 1) + op + 1;
  if (!r.ok())
    throw Error(fmt::format("the output size overflows 64-bit integers (input {}, 'kernel' {}, 'stride' {}, "
                            "'padding' {}, 'dilation' {})",
                            in, k, s, p, d),
                Error::Kind::usage);
  return r.value();
}

DeconvGeometry DeconvGeometry::read(const Attrs& a) {
  DeconvGeometry g;
  std::tie(g.kh, g.kw) = a.get_pair("kernel");
  std::tie(g.sh, g.sw) = a.get_pair("stride", {1, 1});
  std::tie(g.ph, g.pw) = a.get_pair("padding", {0, 0});
  std::tie(g.oph, g.opw) = a.get_pair("output_padding", {0, 0});
  std::tie(g.dh, g.dw) = a.get_pair("dilation", {1, 1});
  a.require(g.kh > 0 && g.kw > 0, "kernel", "must be positive");
  a.require(g.sh > 0 && g.sw > 0, "stride", "must be positive");
  a.require(g.dh > 0 && g.dw > 0, "dilation", "must be positive");
  a.require(g.ph >= 0 && g.pw >= 0, "padding", "must be non-negative");
  // PyTorch's rule: the extra rows must fall inside one stride (or dilation) step.
  a.require(g.oph >= 0 && g.opw >= 0 && g.oph < std::max(g.sh, g.dh) && g.opw < std::max(g.sw, g.dw),
            "output_padding", "must be non-negative and smaller than stride or dilation");
  // oneDNN sees output_padding as a right padding of p - op, which it accepts down
  // to 1 - stride (it needs each extra row to lie within one stride step).
  if (!(g.oph - g.sh < g.ph && g.opw - g.sw < g.pw))  // p - op + s > 0, without overflow
    a.reject("output_padding", fmt::format("'output_padding' ({}x{}) must be smaller than padding + stride ({}x{})",
                                           g.oph, g.opw, g.ph + g.sh, g.pw + g.sw));
  return g;
}

Deconv2d::Deconv2d(const Attrs& a) {
  out_ = a.get_int("out");
  g_ = DeconvGeometry::read(a);
  groups_ = a.get_int("groups", 1);
  with_bias_ = a.get_bool("bias", true);
  init_ = a.get_choice("init", "kaiming_normal", init::names());
  a.require(out_ > 0, "out", "must be positive");
  a.require(groups_ > 0, "groups", "must be positive");
  if (out_ % groups_ != 0)
    a.reject("groups", fmt::format("'out' ({}) must be divisible by 'groups' ({})", out_, groups_));
}

Shape Deconv2d::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  in_ = inputs[0].c;
  check_attr(in_ % groups_ == 0, "groups", "input channels ({}) must be divisible by 'groups' ({})", in_, groups_);
  weight_ = std::make_unique<Param>("weight", Dims{in_, out_ / groups_, g_.kh, g_.kw}, Param::Role::weight);
  if (with_bias_) bias_ = std::make_unique<Param>("bias", Dims{out_}, Param::Role::bias);
  const int64_t ho = DeconvGeometry::out_size(inputs[0].h, g_.kh, g_.sh, g_.ph, g_.oph, g_.dh);
  const int64_t wo = DeconvGeometry::out_size(inputs[0].w, g_.kw, g_.sw, g_.pw, g_.opw, g_.dw);
  check_attr(ho > 0 && wo > 0, "padding", "input {} is too small for padding {}x{}", inputs[0].str(), g_.ph, g_.pw);
  return {out_, ho, wo};
}

Dims Deconv2d::output_dims(const std::vector<Dims>& in) const {
  const Dims& x = in[0];
  const int64_t ho = DeconvGeometry::out_size(x[2], g_.kh, g_.sh, g_.ph, g_.oph, g_.dh);
  const int64_t wo = DeconvGeometry::out_size(x[3], g_.kw, g_.sw, g_.pw, g_.opw, g_.dw);
  check(ho > 0 && wo > 0, "deconv: input {} is too small for padding {}x{}", dims_str(x), g_.ph, g_.pw);
  return {x[0], out_, ho, wo};
}

std::vector<Param*> Deconv2d::params() {
  std::vector<Param*> p{weight_.get()};
  if (bias_) p.push_back(bias_.get());
  return p;
}

void Deconv2d::init(Rng& rng) {
  if (init_ == "bilinear") {
    // init::bilinear maps channel c to output c within one [I, O, kh, kw] block;
    // with groups the weight is G such blocks, [I/G, O/G, kh, kw] each (the
    // depthwise upsampler of FCN has G = I = O and 1x1 blocks).
    Param block("block", {in_ / groups_, out_ / groups_, g_.kh, g_.kw}, Param::Role::weight);
    init::bilinear(block);
    weight_->allocate();
    for (int64_t g = 0; g < groups_; ++g)
      std::copy(block.value.begin(), block.value.end(),
                weight_->value.begin() + static_cast<std::ptrdiff_t>(g * block.size()));
  } else {
    // Each output pixel sums (I/G) kh kw / (sh sw) terms on average (forward
    // fan-in); each input pixel feeds (O/G) kh kw outputs (backward fan-out).
    // (The weight's element count fits int64, so only the strides' product can overflow;
    // then it exceeds the numerator and the quotient is 0.)
    const CheckedInt strides = CheckedInt(g_.sh) * g_.sw;
    const int64_t taps = (in_ / groups_) * g_.kh * g_.kw;
    const int64_t fan_in = std::max<int64_t>(1, strides.ok() ? taps / strides.value() : 0);
    const int64_t fan_out = (out_ / groups_) * g_.kh * g_.kw;
    init::apply(init_, *weight_, fan_in, fan_out, rng);
  }
  if (bias_) init::constant(*bias_, 0.f);
}

double Deconv2d::flops(const std::vector<Dims>& in) const {
  const Dims& x = in[0];
  // In double: a product of int64 sizes could wrap.
  return 2.0 * static_cast<double>(x[2]) * static_cast<double>(x[3]) * static_cast<double>(in_) *
         static_cast<double>(out_ / groups_) * static_cast<double>(g_.kh) * static_cast<double>(g_.kw);
}

bool Deconv2d::fuse_relu(float negative_slope) {
  if (relu_) return false;
  relu_ = true;
  relu_slope_ = negative_slope;
  return true;
}

md_t Deconv2d::weight_desc(tag t) const {
  if (groups_ == 1)
    return md_t({out_, in_, g_.kh, g_.kw}, memory::data_type::f32, t == tag::any ? t : tag::iohw);
  return md_t({groups_, out_ / groups_, in_ / groups_, g_.kh, g_.kw}, memory::data_type::f32,
              t == tag::any ? t : tag::giohw);
}

namespace {

class DeconvKernel : public Kernel {
 public:
  DeconvKernel(Deconv2d& layer, const md_t& in) : L(layer) {
    const auto& g = L.geometry();
    const Dims x = in.dims();
    const Dims y = L.output_dims({x});
    strides = {g.sh, g.sw};
    dilates = {g.dh - 1, g.dw - 1};
    pad_l = {g.ph, g.pw};
    // output_padding extends the bottom/right edge: a right padding of p - op.
    pad_r = {g.ph - g.oph, g.pw - g.opw};
    src_any = any_desc(x);
    dst_any = any_desc(y);
    bias_md = md_t({L.out_channels()}, memory::data_type::f32, tag::a);
    // Always a training descriptor, as in conv2d: inference kernels must still
    // give input gradients.
    auto desc = L.has_bias() ? deconvolution_forward::desc(prop_kind::forward_training,
                                                           algorithm::deconvolution_direct, src_any,
                                                           L.weight_desc(tag::any), bias_md, dst_any, strides,
                                                           dilates, pad_l, pad_r)
                             : deconvolution_forward::desc(prop_kind::forward_training,
                                                           algorithm::deconvolution_direct, src_any,
                                                           L.weight_desc(tag::any), dst_any, strides, dilates,
                                                           pad_l, pad_r);
    primitive_attr attr;
    if (L.relu_fused()) {
      post_ops ops;
      ops.append_eltwise(1.f, algorithm::eltwise_relu, L.relu_slope(), 0.f);
      attr.set_post_ops(ops);
    }
    fwd_pd = deconvolution_forward::primitive_desc(desc, attr, cpu_engine());
    fwd = deconvolution_forward(fwd_pd);
  }

  md_t output_desc() const override { return fwd_pd.dst_desc(); }

  void forward(const Inputs& in, Tensor& out) override {
    args_t args;
    args[DNNL_ARG_SRC] = as_layout(*in[0], fwd_pd.src_desc(), src_buf, src_reorder);
    args[DNNL_ARG_WEIGHTS] = fwd_weights.get(L.weight().value.data(), L.weight_desc(tag::iohw), fwd_pd.weights_desc());
    if (L.has_bias()) args[DNNL_ARG_BIAS] = dnnl::memory(bias_md, cpu_engine(), L.bias()->value.data());
    args[DNNL_ARG_DST] = out.memory();
    execute(fwd, args);
  }

  void backward(const Inputs& in, const Tensor& out, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    ensure_backward();
    dnnl::memory diff_dst = grad_out.memory();
    if (L.relu_fused()) {
      diff_dst = relu_bwd(out, grad_out);
    }
    const md_t plain_w = L.weight_desc(tag::iohw);
    // Weights (and bias) gradient.
    {
      args_t args;
      // Reuse the forward pass's reordered input when the layouts agree.
      args[DNNL_ARG_SRC] = (!src_buf.empty() && src_buf.desc() == bwd_w_pd.src_desc() &&
                            in[0]->desc() != bwd_w_pd.src_desc())
                               ? src_buf.memory()
                               : as_layout(*in[0], bwd_w_pd.src_desc(), src_w_buf, src_w_reorder);
      args[DNNL_ARG_DIFF_DST] = as_layout(diff_dst, bwd_w_pd.diff_dst_desc(), dd_w_buf, dd_w_reorder);
      const bool direct = bwd_w_pd.diff_weights_desc() == plain_w;
      dnnl::memory dw = direct ? dnnl::memory(plain_w, cpu_engine(), L.weight().grad.data())
                               : (dw_buf.ensure(bwd_w_pd.diff_weights_desc()), dw_buf.memory());
      args[DNNL_ARG_DIFF_WEIGHTS] = dw;
      if (L.has_bias()) args[DNNL_ARG_DIFF_BIAS] = dnnl::memory(bias_md, cpu_engine(), L.bias()->grad.data());
      execute(bwd_w, args);
      if (!direct) dw_out.put(dw, L.weight().grad.data(), plain_w);
    }
    // Input gradient.
    if (grad_in[0]) {
      args_t args;
      args[DNNL_ARG_DIFF_DST] = as_layout(diff_dst, bwd_d_pd.diff_dst_desc(), dd_d_buf, dd_d_reorder);
      args[DNNL_ARG_WEIGHTS] =
          bwd_d_pd.weights_desc() == fwd_pd.weights_desc()
              ? fwd_weights.get(L.weight().value.data(), plain_w, fwd_pd.weights_desc())
              : bwd_weights.get(L.weight().value.data(), plain_w, bwd_d_pd.weights_desc());
      const bool direct = bwd_d_pd.diff_src_desc() == grad_in[0]->desc();
      dnnl::memory ds = direct ? grad_in[0]->memory() : (ds_buf.ensure(bwd_d_pd.diff_src_desc()), ds_buf.memory());
      args[DNNL_ARG_DIFF_SRC] = ds;
      execute(bwd_d, args);
      if (!direct) ds_reorder(ds, grad_in[0]->memory());
    }
  }

 private:
  void ensure_backward() {
    if (bwd_ready) return;
    auto bd = deconvolution_backward_data::desc(algorithm::deconvolution_direct, src_any, L.weight_desc(tag::any),
                                                dst_any, strides, dilates, pad_l, pad_r);
    bwd_d_pd = deconvolution_backward_data::primitive_desc(bd, cpu_engine(), fwd_pd);
    bwd_d = deconvolution_backward_data(bwd_d_pd);
    auto bw = L.has_bias() ? deconvolution_backward_weights::desc(algorithm::deconvolution_direct, src_any,
                                                                  L.weight_desc(tag::any), bias_md, dst_any,
                                                                  strides, dilates, pad_l, pad_r)
                           : deconvolution_backward_weights::desc(algorithm::deconvolution_direct, src_any,
                                                                  L.weight_desc(tag::any), dst_any, strides,
                                                                  dilates, pad_l, pad_r);
    bwd_w_pd = deconvolution_backward_weights::primitive_desc(bw, cpu_engine(), fwd_pd);
    bwd_w = deconvolution_backward_weights(bwd_w_pd);
    if (L.relu_fused()) relu_bwd.init(fwd_pd.dst_desc(), L.relu_slope());
    bwd_ready = true;
  }

  Deconv2d& L;
  md_t src_any, dst_any, bias_md;
  memory::dims strides, dilates, pad_l, pad_r;
  deconvolution_forward::primitive_desc fwd_pd;
  deconvolution_forward fwd;
  bool bwd_ready = false;
  deconvolution_backward_data::primitive_desc bwd_d_pd;
  deconvolution_backward_data bwd_d;
  deconvolution_backward_weights::primitive_desc bwd_w_pd;
  deconvolution_backward_weights bwd_w;
  FusedReluBackward relu_bwd;
  Tensor src_buf, src_w_buf, dd_w_buf, dd_d_buf, dw_buf, ds_buf;
  CachedReorder src_reorder, src_w_reorder, dd_w_reorder, dd_d_reorder, ds_reorder;
  ParamView fwd_weights, bwd_weights, dw_out;
};

}  // namespace

std::unique_ptr<Kernel> Deconv2d::make_kernel(const std::vector<md_t>& inputs, bool) {
  return std::make_unique<DeconvKernel>(*this, inputs[0]);
}

ATROUS_REGISTER_LAYER("deconv", [](const Attrs& a) { return std::make_unique<Deconv2d>(a); });

}  // namespace atrous
