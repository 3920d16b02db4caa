#pragma once
// Tensor: an f32 dnnl::memory with logical NCHW dims in whatever physical layout
// the producing primitive chose (plain nchw, blocked nChw16c, ...).
#include <dnnl.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

using Dims = std::vector<int64_t>;
using md_t = dnnl::memory::desc;
using tag = dnnl::memory::format_tag;

// The plain row-major descriptor of the given logical dims (nchw for rank 4).
md_t plain_desc(const Dims& dims);
// A descriptor with the same dims and layout to be chosen by the primitive.
md_t any_desc(const Dims& dims);
bool is_plain(const md_t& md);
std::string dims_str(const Dims& dims);
int64_t product(const Dims& dims);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(const md_t& md);  // allocates (zero-filled)
  static Tensor plain(const Dims& dims) { return Tensor(plain_desc(dims)); }
  static Tensor from_plain(const Dims& dims, const std::vector<float>& values);
  // A tensor over memory someone else owns (the graph's arena): nothing is
  // allocated or cleared, and `data` must outlive it.
  static Tensor view(const md_t& md, void* data);

  bool empty() const { return !mem_; }
  const md_t& desc() const { return md_; }
  dnnl::memory& memory() { return mem_; }
  const dnnl::memory& memory() const { return mem_; }
  Dims dims() const { return md_.dims(); }
  int64_t numel() const { return product(md_.dims()); }
  // Physical buffer (including block padding), in floats.
  size_t physical_size() const { return md_.get_size() / sizeof(float); }
  float* data() { return static_cast<float*>(mem_.get_data_handle()); }
  const float* data() const { return static_cast<const float*>(mem_.get_data_handle()); }

  void zero();
  // Reallocates only when the descriptor changes; returns true when it did.
  bool ensure(const md_t& md);

  // Copies to/from a plain row-major (NCHW) buffer, reordering when needed.
  std::vector<float> to_vector() const;
  void copy_from_plain(const float* values, int64_t count);
  void copy_to_plain(float* values, int64_t count) const;

 private:
  md_t md_;
  dnnl::memory mem_;
};

// Copies src into dst (same logical dims, any layouts). Creates a primitive per
// call: use CachedReorder on hot paths.
void reorder(const dnnl::memory& src, const dnnl::memory& dst);

// A reorder primitive created once for a (src, dst) descriptor pair.
class CachedReorder {
 public:
  void operator()(const dnnl::memory& src, const dnnl::memory& dst);

 private:
  md_t src_md_, dst_md_;
  dnnl::reorder prim_;
  bool ready_ = false;
};

// dst += src, both of the same descriptor (used to sum gradients).
void accumulate(Tensor& dst, const Tensor& src);

}  // namespace atrous
