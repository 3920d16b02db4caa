#pragma once
// Naive resizing with the semantics of PyTorch's F.interpolate(size=(oh, ow)),
// computed in double precision, plain loops over NCHW.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace atrous::testing {

struct ResizeRef {
  int64_t n, c, h, w;  // input
  int64_t oh, ow;      // output
};

// mode='bilinear'. Source coordinate of output index d along an axis of in -> out:
//   align_corners=True:  d (in - 1) / (out - 1), or 0 when out == 1;
//   align_corners=False: (d + 0.5) in / out - 0.5, negative values clamped to 0.
// The value interpolates linearly between floor(src) and floor(src) + 1, both
// clamped to in - 1.
std::vector<float> bilinear_reference(const ResizeRef& p, bool align_corners, const std::vector<float>& x);
// mode='nearest': source index floor(d in / out) (exact integer arithmetic).
std::vector<float> nearest_reference(const ResizeRef& p, const std::vector<float>& x);

}  // namespace atrous::testing
