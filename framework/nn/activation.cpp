#include "nn/activation.hpp"

#include <cmath>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/registry.hpp"

namespace atrous {

using namespace dnnl;

Relu::Relu(const Attrs& a, bool leaky) : leaky_(leaky) {
  if (leaky_) slope_ = static_cast<float>(a.get_float("negative_slope", 0.01));
  a.require(std::isfinite(slope_), "negative_slope", "must be finite");
}

Shape Relu::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  return inputs[0];
}

double Relu::flops(const std::vector<Dims>& in) const {
  return static_cast<double>(in[0][1]) * static_cast<double>(in[0][2]) * static_cast<double>(in[0][3]);
}

bool Relu::is_relu(float* negative_slope) const {
  // Fused producers differentiate through their output (relu_use_dst_for_bwd),
  // which is only right when the output's sign is the input's: slope >= 0.
  if (slope_ < 0.f) return false;
  if (negative_slope) *negative_slope = slope_;
  return true;
}

namespace {

class ReluKernel : public Kernel {
 public:
  ReluKernel(const Relu& layer, const md_t& in) {
    auto desc = eltwise_forward::desc(prop_kind::forward_training, algorithm::eltwise_relu, in,
                                      layer.negative_slope(), 0.f);
    fwd_pd_ = eltwise_forward::primitive_desc(desc, cpu_engine());
    fwd_ = eltwise_forward(fwd_pd_);
    slope_ = layer.negative_slope();
  }

  md_t output_desc() const override { return fwd_pd_.dst_desc(); }

  void forward(const Inputs& in, Tensor& out) override {
    execute(fwd_, {{DNNL_ARG_SRC, as_layout(*in[0], fwd_pd_.src_desc(), src_buf_, src_reorder_)},
                   {DNNL_ARG_DST, out.memory()}});
  }

  void backward(const Inputs& in, const Tensor&, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;
    if (!bwd_ready_) {
      const md_t d = fwd_pd_.src_desc();
      auto desc = eltwise_backward::desc(algorithm::eltwise_relu, d, d, slope_, 0.f);
      bwd_pd_ = eltwise_backward::primitive_desc(desc, cpu_engine(), fwd_pd_);
      bwd_ = eltwise_backward(bwd_pd_);
      bwd_ready_ = true;
    }
    const bool direct = grad_in[0]->desc() == bwd_pd_.diff_src_desc();
    if (!direct) ds_buf_.ensure(bwd_pd_.diff_src_desc());
    execute(bwd_, {{DNNL_ARG_SRC, as_layout(*in[0], bwd_pd_.src_desc(), src_buf_, src_reorder_)},
                   {DNNL_ARG_DIFF_DST, as_layout(grad_out, bwd_pd_.diff_dst_desc(), dd_buf_, dd_reorder_)},
                   {DNNL_ARG_DIFF_SRC, direct ? grad_in[0]->memory() : ds_buf_.memory()}});
    if (!direct) ds_reorder_(ds_buf_.memory(), grad_in[0]->memory());
  }

 private:
  float slope_ = 0.f;
  eltwise_forward::primitive_desc fwd_pd_;
  eltwise_forward fwd_;
  bool bwd_ready_ = false;
  eltwise_backward::primitive_desc bwd_pd_;
  eltwise_backward bwd_;
  Tensor src_buf_, dd_buf_, ds_buf_;
  CachedReorder src_reorder_, dd_reorder_, ds_reorder_;
};

}  // namespace

std::unique_ptr<Kernel> Relu::make_kernel(const std::vector<md_t>& inputs, bool) {
  return std::make_unique<ReluKernel>(*this, inputs[0]);
}

ATROUS_REGISTER_LAYER("relu", [](const Attrs& a) { return std::make_unique<Relu>(a, false); });
ATROUS_REGISTER_LAYER("leaky_relu", [](const Attrs& a) { return std::make_unique<Relu>(a, true); });

}  // namespace atrous
