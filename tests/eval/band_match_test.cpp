#include "eval/band_match.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "eval/eval_reference.hpp"

namespace atrous {
namespace {

// Exact integer comparison with a brute-force nearest-site search.
TEST(EvalBandMatch, MatchesBruteForceDistancesOnRandomMasks) {
  const int64_t shapes[][2] = {{1, 1}, {1, 17}, {13, 1}, {9, 9}, {16, 23}, {31, 12}};
  const int densities[] = {0, 1, 5, 30, 100};  // percent of set pixels (0 = empty)
  Rng rng(42);
  for (const auto& s : shapes)
    for (int pd : densities)
      for (int sd : densities) {
        const int64_t h = s[0], w = s[1];
        std::vector<uint8_t> points(static_cast<size_t>(h * w)), sites(points.size());
        for (auto& v : points) v = static_cast<int>(rng.below(100)) < pd;
        for (auto& v : sites) v = static_cast<int>(rng.below(100)) < sd;
        const auto dist = testing::distance_reference(sites, h, w);
        for (int band : {0, 1, 2, 3, 5, 8}) {
          BandMatch want;
          for (size_t i = 0; i < points.size(); ++i)
            if (points[i]) {
              ++want.total;
              want.matched += dist[i] <= int64_t{band} * band;
            }
          const BandMatch got = match_within_band(points.data(), sites.data(), h, w, band);
          ASSERT_EQ(got.total, want.total);
          ASSERT_EQ(got.matched, want.matched) << h << "x" << w << " densities " << pd << "/" << sd << " band " << band;
        }
      }
}

TEST(EvalBandMatch, DiskNotSquare) {
  // Site at (2,2) of a 5×5 image; points at every pixel. Euclidean disk of radius 1:
  // the site and its 4 neighbours (a square/Chebyshev band would give 9).
  std::vector<uint8_t> points(25, 1), sites(25, 0);
  sites[2 * 5 + 2] = 1;
  EXPECT_EQ(match_within_band(points.data(), sites.data(), 5, 5, 1).matched, 5);
  EXPECT_EQ(match_within_band(points.data(), sites.data(), 5, 5, 0).matched, 1);
  // Radius 2: x² + y² <= 4 → 13 pixels (the 3×3 block plus 4 at distance 2).
  EXPECT_EQ(match_within_band(points.data(), sites.data(), 5, 5, 2).matched, 13);
  EXPECT_THROW(match_within_band(points.data(), sites.data(), 5, 5, -1), Error);
}

}  // namespace
}  // namespace atrous
