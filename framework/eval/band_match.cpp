#include "eval/band_match.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "core/error.hpp"

namespace atrous {

BandMatch match_within_band(const uint8_t* points, const uint8_t* sites, int64_t h, int64_t w, int band) {
  check(band >= 0, "band {} must be >= 0 pixels", band);
  const int32_t cap = band + 1;  // "farther than the band"; keeps the counters small
  const auto at = [w](int64_t y, int64_t x) { return static_cast<std::size_t>(y * w + x); };

  // Vertical distance to the nearest site in the same column, capped: a downward
  // sweep (nearest site above) then an upward one (below), row by row so that
  // memory is read contiguously.
  std::vector<int32_t> vertical(static_cast<std::size_t>(h * w));
  std::vector<int32_t> run(static_cast<std::size_t>(w), cap);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      auto& r = run[static_cast<std::size_t>(x)];
      r = sites[at(y, x)] ? 0 : std::min(r + 1, cap);
      vertical[at(y, x)] = r;
    }
  std::fill(run.begin(), run.end(), cap);
  for (int64_t y = h - 1; y >= 0; --y)
    for (int64_t x = 0; x < w; ++x) {
      auto& r = run[static_cast<std::size_t>(x)];
      r = sites[at(y, x)] ? 0 : std::min(r + 1, cap);
      vertical[at(y, x)] = std::min(vertical[at(y, x)], r);
    }

  // reach[|dx|]: the largest vertical distance inside the disk at horizontal offset dx.
  std::vector<int32_t> reach(static_cast<std::size_t>(band) + 1);
  for (int32_t dx = 0; dx <= band; ++dx) {
    int32_t v = 0;
    while ((v + 1) * (v + 1) + dx * dx <= band * band) ++v;
    reach[static_cast<std::size_t>(dx)] = v;
  }

  BandMatch m;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      if (!points[at(y, x)]) continue;
      ++m.total;
      const int64_t x0 = std::max<int64_t>(0, x - band), x1 = std::min<int64_t>(w - 1, x + band);
      for (int64_t xs = x0; xs <= x1; ++xs)
        if (vertical[at(y, xs)] <= reach[static_cast<std::size_t>(std::abs(xs - x))]) {
          ++m.matched;
          break;
        }
    }
  return m;
}

}  // namespace atrous
