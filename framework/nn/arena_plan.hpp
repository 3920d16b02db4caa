#pragma once
// Offsets in one arena for buffers with known lifetimes, by best fit (as
// ggml-alloc does): the schedule is replayed step by step; at each step the
// buffers born there take the smallest free block that holds them (or extend
// the arena), then the buffers whose last use is that step are freed and merged
// with their free neighbours. Two buffers whose lifetimes overlap never overlap
// in the arena; the arena's size is the high-water mark of the replay.
#include <cstdint>
#include <vector>

namespace atrous {

struct BufferLife {
  uint64_t bytes = 0;  // 0: no buffer (an external tensor, one not used in this plan)
  int first = 0;       // the step that writes it first
  int last = 0;        // the last step that reads it (>= first)
  // In place: the buffer takes over this other buffer's block at `first`, which
  // must be that buffer's last step; the block is then freed at this one's last.
  int in_place_of = -1;
};

struct ArenaLayout {
  std::vector<uint64_t> offsets;  // per buffer (unused for bytes == 0)
  uint64_t size = 0;
};

// Every offset is a multiple of kArenaAlignment (oneDNN and AVX-512 like 64).
inline constexpr uint64_t kArenaAlignment = 64;

ArenaLayout plan_arena(const std::vector<BufferLife>& buffers);

// The largest sum of the bytes of buffers alive at one step: no arena can be smaller.
uint64_t peak_live_bytes(const std::vector<BufferLife>& buffers);

}  // namespace atrous
