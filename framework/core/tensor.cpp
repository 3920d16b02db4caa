#include "core/tensor.hpp"

#include <cstring>

#include "core/checked_int.hpp"
#include "core/context.hpp"
#include "core/error.hpp"

namespace atrous {

md_t plain_desc(const Dims& dims) {
  static const tag tags[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
  check(!dims.empty() && dims.size() <= 5, "tensor rank {} is not supported (1..5)", dims.size());
  return md_t(dims, dnnl::memory::data_type::f32, tags[dims.size()]);
}

md_t any_desc(const Dims& dims) { return md_t(dims, dnnl::memory::data_type::f32, tag::any); }

bool is_plain(const md_t& md) { return md == plain_desc(md.dims()); }

std::string dims_str(const Dims& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(dims[i]);
  }
  return s;
}

int64_t product(const Dims& dims) {
  // Dims can come from user input (model files, --input, checkpoints): a wrapped
  // product would size a buffer for a different, smaller tensor.
  const CheckedInt p = checked_product(dims);
  if (!p.ok()) throw Error(fmt::format("tensor {} has more than 2^63 elements", dims_str(dims)), Error::Kind::usage);
  return p.value();
}

Tensor::Tensor(const md_t& md) : md_(md), mem_(md, cpu_engine()) { zero(); }

Tensor Tensor::from_plain(const Dims& dims, const std::vector<float>& values) {
  Tensor t = Tensor::plain(dims);
  t.copy_from_plain(values.data(), static_cast<int64_t>(values.size()));
  return t;
}

Tensor Tensor::view(const md_t& md, void* data) {
  Tensor t;
  t.md_ = md;
  t.mem_ = dnnl::memory(md, cpu_engine(), data);
  return t;
}

void Tensor::zero() {
  if (mem_) std::memset(mem_.get_data_handle(), 0, md_.get_size());
}

bool Tensor::ensure(const md_t& md) {
  if (mem_ && md_ == md) return false;
  *this = Tensor(md);
  return true;
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  copy_to_plain(out.data(), numel());
  return out;
}

void Tensor::copy_from_plain(const float* values, int64_t count) {
  check(count == numel(), "copy of {} values into a tensor of {} ({} values)", count, dims_str(dims()),
        numel());
  const md_t pmd = plain_desc(dims());
  if (md_ == pmd) {
    std::memcpy(data(), values, sizeof(float) * count);
    return;
  }
  dnnl::memory src(pmd, cpu_engine(), const_cast<float*>(values));
  reorder(src, mem_);
}

void Tensor::copy_to_plain(float* values, int64_t count) const {
  check(count == numel(), "copy of a tensor of {} values into {} values", numel(), count);
  const md_t pmd = plain_desc(dims());
  if (md_ == pmd) {
    std::memcpy(values, data(), sizeof(float) * count);
    return;
  }
  dnnl::memory dst(pmd, cpu_engine(), values);
  reorder(mem_, dst);
}

void reorder(const dnnl::memory& src, const dnnl::memory& dst) {
  dnnl::reorder(src, dst).execute(cpu_stream(), const_cast<dnnl::memory&>(src),
                                  const_cast<dnnl::memory&>(dst));
  cpu_stream().wait();
}

void CachedReorder::operator()(const dnnl::memory& src, const dnnl::memory& dst) {
  const md_t s = src.get_desc(), d = dst.get_desc();
  if (!ready_ || s != src_md_ || d != dst_md_) {
    prim_ = dnnl::reorder(src, dst);
    src_md_ = s;
    dst_md_ = d;
    ready_ = true;
  }
  prim_.execute(cpu_stream(), const_cast<dnnl::memory&>(src), const_cast<dnnl::memory&>(dst));
}

void accumulate(Tensor& dst, const Tensor& src) {
  check(dst.desc() == src.desc(), "gradient accumulation over different layouts");
  float* d = dst.data();
  const float* s = src.data();
  const int64_t n = static_cast<int64_t>(dst.physical_size());
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; ++i) d[i] += s[i];
}

}  // namespace atrous
