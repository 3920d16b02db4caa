#pragma once
// The buffers a kernel uses in one phase (forward, backward, or kept from one to
// the other), laid out one after another in a block of the graph's arena:
// declared once with their descriptors when the kernel is made, pointed at the
// block before each call. A buffer of a block never bound (a kernel run outside
// a graph) stays empty, and Tensor::ensure allocates it on first use as before.
#include <cstddef>
#include <vector>

#include "core/tensor.hpp"

namespace atrous {

class WorkspaceBlock {
 public:
  // Declares `buffer` with descriptor `md` (nothing for an empty descriptor).
  // The kernel must outlive the block's use of `buffer` (both are its members).
  void add(Tensor& buffer, const md_t& md);
  uint64_t bytes() const { return bytes_; }
  // Makes every declared buffer a view at base + its offset; a no-op when base
  // has not changed or is null.
  void bind(std::byte* base);

 private:
  struct Slot {
    Tensor* buffer;
    md_t md;
    uint64_t offset;
  };
  std::vector<Slot> slots_;
  uint64_t bytes_ = 0;
  std::byte* base_ = nullptr;
};

// A oneDNN scratchpad (scratchpad_mode::user) in `buffer`, for args[DNNL_ARG_SCRATCHPAD];
// an empty memory when the primitive needs none.
dnnl::memory scratchpad_memory(Tensor& buffer, const md_t& md);

}  // namespace atrous
