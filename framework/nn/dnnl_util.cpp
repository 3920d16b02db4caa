#include "nn/dnnl_util.hpp"

namespace atrous {

dnnl::memory as_layout(const Tensor& t, const md_t& want, Tensor& buffer, CachedReorder& reorder) {
  if (t.desc() == want) return t.memory();
  buffer.ensure(want);
  reorder(t.memory(), buffer.memory());
  return buffer.memory();
}

dnnl::memory as_layout(const dnnl::memory& m, const md_t& want, Tensor& buffer, CachedReorder& reorder) {
  if (m.get_desc() == want) return m;
  buffer.ensure(want);
  reorder(m, buffer.memory());
  return buffer.memory();
}

void FusedReluBackward::init(const md_t& dst, float negative_slope) {
  using namespace dnnl;
  const auto alg = algorithm::eltwise_relu_use_dst_for_bwd;
  auto fwd_hint = eltwise_forward::primitive_desc(
      eltwise_forward::desc(prop_kind::forward_training, alg, dst, negative_slope, 0.f), cpu_engine());
  prim_ = eltwise_backward(eltwise_backward::primitive_desc(
      eltwise_backward::desc(alg, dst, dst, negative_slope, 0.f), cpu_engine(), fwd_hint));
}

const dnnl::memory& FusedReluBackward::operator()(const Tensor& dst, const Tensor& grad_out) {
  grad_.ensure(dst.desc());
  prim_.execute(cpu_stream(), {{DNNL_ARG_DST, dst.memory()},
                               {DNNL_ARG_DIFF_DST, grad_out.memory()},
                               {DNNL_ARG_DIFF_SRC, grad_.memory()}});
  return grad_.memory();
}

dnnl::memory ParamView::get(float* plain_data, const md_t& plain_md, const md_t& want) {
  if (!user_ || user_.get_desc() != plain_md) user_ = dnnl::memory(plain_md, cpu_engine(), plain_data);
  user_.set_data_handle(plain_data);
  if (want == plain_md) return user_;
  converted_.ensure(want);
  reorder_(user_, converted_.memory());
  return converted_.memory();
}

void ParamView::put(const dnnl::memory& from, float* plain_data, const md_t& plain_md) {
  if (!user_ || user_.get_desc() != plain_md) user_ = dnnl::memory(plain_md, cpu_engine(), plain_data);
  user_.set_data_handle(plain_data);
  reorder_(from, user_);
}

}  // namespace atrous
