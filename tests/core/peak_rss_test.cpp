// The resettable peak RSS that `atrous bench` reports: touching N MiB moves the
// peak by about N MiB, and a reset after freeing them brings it back down.
#include "core/peak_rss.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstring>

namespace atrous {
namespace {

constexpr int64_t kMiB = 1 << 20;

TEST(PeakRss, SeesMemoryTouchedAfterAResetAndForgetsItAfterTheNext) {
  PeakRssMeter meter;
  meter.start();
  if (!meter.reset()) GTEST_SKIP() << "this kernel refuses /proc/self/clear_refs";
  const std::optional<int64_t> before = meter.peak();
  ASSERT_TRUE(before.has_value());
  EXPECT_GE(*before, meter.base());

  constexpr int64_t n = 64 * kMiB;
  {
    // Straight from the kernel and back: malloc may keep a freed block resident (AddressSanitizer's
    // quarantine does), and this test is about the meter, not the allocator.
    void* mapped = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    auto* block = static_cast<char*>(mapped);
    std::memset(block, 1, n);  // touched, so resident
    volatile char sink = block[n - 1];
    (void)sink;
    const int64_t peak = meter.peak().value();
    EXPECT_GE(peak, meter.base() + n - 4 * kMiB) << "base " << meter.base();
    ASSERT_EQ(munmap(mapped, n), 0);
  }
  const int64_t peak_with_block = meter.peak().value();

  // Unmapped, so no longer resident; then reset.
  meter.start();
  const RssPeak after = meter.finish();
  EXPECT_LT(after.peak, peak_with_block - n / 2) << "the reset did not lower the mark";
  EXPECT_GE(after.peak, after.base);
  EXPECT_TRUE(after.reset);
}

TEST(PeakRss, CurrentIsAtMostPeak) {
  const auto rss = current_rss_bytes();
  const auto peak = peak_rss_bytes();
  ASSERT_TRUE(rss && peak);
  EXPECT_GT(*rss, 0);
  EXPECT_LE(*rss, *peak);
}

}  // namespace
}  // namespace atrous
