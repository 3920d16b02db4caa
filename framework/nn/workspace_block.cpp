#include "nn/workspace_block.hpp"

#include "nn/arena_plan.hpp"

namespace atrous {

void WorkspaceBlock::add(Tensor& buffer, const md_t& md) {
  const uint64_t size = md.get_size();
  if (size == 0) return;
  slots_.push_back({&buffer, md, bytes_});
  // Every buffer starts on the arena's alignment, as the block itself does.
  bytes_ += (size + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  base_ = nullptr;
}

void WorkspaceBlock::bind(std::byte* base) {
  if (!base || base == base_) return;
  for (const Slot& s : slots_) *s.buffer = Tensor::view(s.md, base + s.offset);
  base_ = base;
}

dnnl::memory scratchpad_memory(Tensor& buffer, const md_t& md) {
  if (md.get_size() == 0) return {};
  buffer.ensure(md);
  return buffer.memory();
}

}  // namespace atrous
