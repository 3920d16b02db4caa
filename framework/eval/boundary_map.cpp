#include "eval/boundary_map.hpp"

#include <cstddef>

namespace atrous {

std::vector<uint8_t> boundary_valid_mask(const uint8_t* gt, int64_t h, int64_t w, int ignore_label) {
  std::vector<uint8_t> valid(static_cast<std::size_t>(h * w), 1);
  if (ignore_label < 0) return valid;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      if (gt[y * w + x] != ignore_label) continue;
      valid[static_cast<std::size_t>(y * w + x)] = 0;
      if (y > 0) valid[static_cast<std::size_t>((y - 1) * w + x)] = 0;
      if (y + 1 < h) valid[static_cast<std::size_t>((y + 1) * w + x)] = 0;
      if (x > 0) valid[static_cast<std::size_t>(y * w + x - 1)] = 0;
      if (x + 1 < w) valid[static_cast<std::size_t>(y * w + x + 1)] = 0;
    }
  return valid;
}

std::vector<uint8_t> boundary_map(const uint8_t* labels, const uint8_t* valid, int64_t h, int64_t w) {
  std::vector<uint8_t> edge(static_cast<std::size_t>(h * w), 0);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t i = y * w + x;
      if (!valid[i]) continue;
      const uint8_t l = labels[i];
      edge[static_cast<std::size_t>(i)] = (y > 0 && labels[i - w] != l) || (y + 1 < h && labels[i + w] != l) ||
                                     (x > 0 && labels[i - 1] != l) || (x + 1 < w && labels[i + 1] != l);
    }
  return edge;
}

}  // namespace atrous
