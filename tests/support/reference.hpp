#pragma once
// Naive reference implementations (plain loops over NCHW) that the oneDNN layers
// are compared against. Written for clarity, not speed.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace atrous::testing {

struct ConvRef {
  int64_t n, c, h, w;         // input
  int64_t o, kh, kw;          // output channels, kernel
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
  int64_t out_h() const { return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }
  int64_t out_w() const { return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }
};

// y[n,o,y,x] = b[o] + sum_{i in group(o), ky, kx} w[o, i, ky, kx] * x[n, g*I/G + i, y*s - p + ky*d, ...]
std::vector<float> conv2d_reference(const ConvRef& p, const std::vector<float>& x, const std::vector<float>& w,
                                    const std::vector<float>& b);

}  // namespace atrous::testing
