#pragma once
// Which pixels of one binary map lie within a Euclidean distance band of another's.
#include <cstdint>

namespace atrous {

struct BandMatch {
  int64_t matched = 0;  // set pixels of `points` with a set pixel of `sites` within the band
  int64_t total = 0;    // set pixels of `points`
};

// For every non-zero pixel p of `points` (h×w, row-major): is there a non-zero
// pixel s of `sites` with |p - s|² <= band² (Euclidean; band 0 = same pixel)?
// Exact, in O(h·w + |points|·(2·band + 1)): a column pass gives each pixel's
// vertical distance to the nearest site in its column (capped at band + 1), then
// each point only looks at the 2·band + 1 columns the disk of radius band spans.
// Cheaper than a full distance transform because the band is a few pixels.
BandMatch match_within_band(const uint8_t* points, const uint8_t* sites, int64_t h, int64_t w, int band);

}  // namespace atrous
