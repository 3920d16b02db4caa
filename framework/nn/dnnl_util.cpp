#include "nn/dnnl_util.hpp"

namespace atrous {

dnnl::memory as_layout(const Tensor& t, const md_t& want, Tensor& buffer, CachedReorder& reorder) {
  if (t.desc() == want) return t.memory();
  buffer.ensure(want);
  reorder(t.memory(), buffer.memory());
  return buffer.memory();
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
