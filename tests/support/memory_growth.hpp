#pragma once
// How much a piece of work raised the process's peak resident memory. Tests of limits
// ("checked before expanding") assert this instead of a wall-clock bound, which fails on
// a loaded machine or under the sanitizers: doing the bounded work first and checking
// after would need many GiB.
#include <cstdint>

#include "core/peak_rss.hpp"

namespace atrous::testing {

constexpr int64_t kWorkMemoryBound = int64_t{512} << 20;

template <class F>
int64_t peak_growth_of(F&& work) {
  PeakRssMeter meter;
  meter.start();
  work();
  const RssPeak used = meter.finish();
  return used.peak - used.base;
}

}  // namespace atrous::testing
