#include "nn/arena_plan.hpp"

#include <algorithm>
#include <iterator>
#include <map>

#include "core/error.hpp"

namespace atrous {

namespace {

uint64_t aligned(uint64_t bytes) { return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

// The free blocks of the arena below its current end, by offset.
class FreeBlocks {
 public:
  // The offset of a block of `bytes`: the smallest free block that holds it
  // (the lowest offset among equals), else the arena's end, which grows.
  uint64_t take(uint64_t bytes) {
    auto best = blocks_.end();
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it)
      if (it->second >= bytes && (best == blocks_.end() || it->second < best->second)) best = it;
    if (best == blocks_.end()) {
      // A free block touching the end is extended rather than left behind.
      if (!blocks_.empty() && std::prev(blocks_.end())->first + std::prev(blocks_.end())->second == end_) {
        auto last = std::prev(blocks_.end());
        const uint64_t offset = last->first;
        blocks_.erase(last);
        end_ = offset + bytes;
        high_ = std::max(high_, end_);
        return offset;
      }
      const uint64_t offset = end_;
      end_ += bytes;
      high_ = std::max(high_, end_);
      return offset;
    }
    const uint64_t offset = best->first, size = best->second;
    blocks_.erase(best);
    if (size > bytes) blocks_[offset + bytes] = size - bytes;
    return offset;
  }

  void give_back(uint64_t offset, uint64_t bytes) {
    auto [it, inserted] = blocks_.emplace(offset, bytes);
    check(inserted, "arena plan: block at {} freed twice", offset);
    auto next = std::next(it);
    if (next != blocks_.end() && it->first + it->second == next->first) {
      it->second += next->second;
      blocks_.erase(next);
    }
    if (it != blocks_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        blocks_.erase(it);
        it = prev;
      }
    }
    if (it->first + it->second == end_) {  // the top of the arena is free again
      end_ = it->first;
      blocks_.erase(it);
    }
  }

  uint64_t high_water() const { return high_; }

 private:
  std::map<uint64_t, uint64_t> blocks_;
  uint64_t end_ = 0, high_ = 0;
};

}  // namespace

ArenaLayout plan_arena(const std::vector<BufferLife>& buffers) {
  int steps = 0;
  for (const auto& b : buffers) {
    check(b.first <= b.last, "arena plan: a buffer's last step precedes its first");
    steps = std::max(steps, b.last + 1);
  }
  std::vector<std::vector<size_t>> born(static_cast<size_t>(steps)), dying(static_cast<size_t>(steps));
  std::vector<bool> handed_on(buffers.size(), false);  // its block went to an in-place successor
  for (size_t i = 0; i < buffers.size(); ++i) {
    const BufferLife& b = buffers[i];
    if (b.bytes == 0) continue;
    born[static_cast<size_t>(b.first)].push_back(i);
    dying[static_cast<size_t>(b.last)].push_back(i);
  }
  ArenaLayout layout;
  layout.offsets.assign(buffers.size(), 0);
  std::vector<uint64_t> block_bytes(buffers.size(), 0);
  FreeBlocks free;
  for (size_t s = 0; s < born.size(); ++s) {
    for (size_t i : born[s]) {
      const BufferLife& b = buffers[i];
      if (b.in_place_of >= 0) {
        const auto src = static_cast<size_t>(b.in_place_of);
        check(buffers[src].last == b.first && block_bytes[src] >= aligned(b.bytes) && !handed_on[src],
              "arena plan: buffer {} cannot run in place of buffer {}", i, src);
        layout.offsets[i] = layout.offsets[src];
        block_bytes[i] = block_bytes[src];
        handed_on[src] = true;
        continue;
      }
      block_bytes[i] = aligned(b.bytes);
      layout.offsets[i] = free.take(block_bytes[i]);
    }
    for (size_t i : dying[s])
      if (!handed_on[i]) free.give_back(layout.offsets[i], block_bytes[i]);
  }
  layout.size = free.high_water();
  return layout;
}

uint64_t peak_live_bytes(const std::vector<BufferLife>& buffers) {
  int steps = 0;
  for (const auto& b : buffers) steps = std::max(steps, b.last + 1);
  std::vector<uint64_t> live(static_cast<size_t>(steps), 0);
  for (const auto& b : buffers) {
    if (b.bytes == 0) continue;
    // In place: at its first step it is the buffer it replaces, already counted.
    for (int s = b.in_place_of >= 0 ? b.first + 1 : b.first; s <= b.last; ++s) live[static_cast<size_t>(s)] += b.bytes;
  }
  return live.empty() ? 0 : *std::max_element(live.begin(), live.end());
}

}  // namespace atrous
