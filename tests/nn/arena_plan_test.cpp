// Best-fit offsets in one arena: buffers alive at the same step never overlap,
// freed blocks are reused, in place takes over the block it replaces, and the
// arena is never smaller than what is alive at once.
#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "nn/arena_plan.hpp"

namespace atrous {
namespace {

bool lives_overlap(const BufferLife& a, const BufferLife& b) { return a.first <= b.last && b.first <= a.last; }

uint64_t aligned(uint64_t bytes) { return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

// Every pair alive at a common step occupies disjoint bytes (in-place pairs share by design).
void expect_disjoint(const std::vector<BufferLife>& b, const ArenaLayout& l) {
  for (size_t i = 0; i < b.size(); ++i)
    for (size_t j = i + 1; j < b.size(); ++j) {
      if (b[i].bytes == 0 || b[j].bytes == 0 || !lives_overlap(b[i], b[j])) continue;
      if (b[j].in_place_of == static_cast<int>(i) || b[i].in_place_of == static_cast<int>(j)) continue;
      const bool apart = l.offsets[i] + b[i].bytes <= l.offsets[j] || l.offsets[j] + b[j].bytes <= l.offsets[i];
      EXPECT_TRUE(apart) << "buffers " << i << " and " << j << " overlap";
    }
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i].bytes == 0) continue;
    EXPECT_EQ(l.offsets[i] % kArenaAlignment, 0u);
    EXPECT_LE(l.offsets[i] + b[i].bytes, l.size);
  }
}

TEST(ArenaPlan, AChainReusesTheBlockTwoStepsBack) {
  // a -> b -> c -> d, each read only by the next: two blocks suffice.
  std::vector<BufferLife> b = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 3}};
  const ArenaLayout l = plan_arena(b);
  expect_disjoint(b, l);
  EXPECT_EQ(l.size, 2 * aligned(1000));
  EXPECT_EQ(l.offsets[2], l.offsets[0]);
  EXPECT_EQ(l.offsets[3], l.offsets[1]);
}

TEST(ArenaPlan, BestFitTakesTheSmallestHoleThatHolds) {
  // Holes of 4096 and 1024 bytes open at step 1; a 1000-byte buffer takes the small one.
  std::vector<BufferLife> b = {{4096, 0, 0}, {64, 0, 5}, {1024, 0, 0}, {64, 0, 5}, {1000, 1, 5}};
  const ArenaLayout l = plan_arena(b);
  expect_disjoint(b, l);
  EXPECT_EQ(l.offsets[4], l.offsets[2]);
}

TEST(ArenaPlan, InPlaceTakesOverTheBlock) {
  std::vector<BufferLife> b = {{512, 0, 1}, {512, 1, 2, 0}, {512, 2, 3, 1}};
  const ArenaLayout l = plan_arena(b);
  EXPECT_EQ(l.offsets[1], l.offsets[0]);
  EXPECT_EQ(l.offsets[2], l.offsets[0]);
  EXPECT_EQ(l.size, aligned(512));
  EXPECT_EQ(peak_live_bytes(b), 512u);
}

TEST(ArenaPlan, RandomSchedulesAreDisjointAndNoSmallerThanWhatIsAlive) {
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferLife> b(1 + rng.below(40));
    for (auto& x : b) {
      x.bytes = rng.below(5) == 0 ? 0 : 1 + rng.below(100000);
      x.first = static_cast<int>(rng.below(30));
      x.last = x.first + static_cast<int>(rng.below(10));
    }
    const ArenaLayout l = plan_arena(b);
    expect_disjoint(b, l);
    // Computed here, independently of the planner: the bytes alive at each step.
    uint64_t peak = 0, sum = 0;
    for (int s = 0; s < 40; ++s) {
      uint64_t live = 0;
      for (const auto& x : b)
        if (x.first <= s && s <= x.last) live += x.bytes;
      peak = std::max(peak, live);
    }
    for (const auto& x : b) sum += aligned(x.bytes);
    EXPECT_EQ(peak_live_bytes(b), peak);
    EXPECT_GE(l.size, peak);
    EXPECT_LE(l.size, sum);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace atrous
