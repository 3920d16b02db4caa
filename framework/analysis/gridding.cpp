#include "analysis/gridding.hpp"

namespace atrous {

GriddingScore gridding_score(const ErfMap& map) {
  GriddingScore g;
  const Window& w = map.theoretical;
  for (int64_t y = w.top; y < w.top + w.height; ++y)
    for (int64_t x = w.left; x < w.left + w.width; ++x) {
      ++g.pixels;
      if (map.at(y, x) == 0.0) ++g.holes;
    }
  return g;
}

}  // namespace atrous
