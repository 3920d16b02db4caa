#pragma once
// Naive transposed convolution (PyTorch's ConvTranspose2d), plain loops over NCHW.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace atrous::testing {

struct DeconvRef {
  int64_t n, c, h, w;  // input
  int64_t o, kh, kw;   // output channels, kernel
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, oph = 0, opw = 0, dh = 1, dw = 1, groups = 1;
  // PyTorch: (H - 1) s - 2p + d (k - 1) + output_padding + 1.
  int64_t out_h() const { return (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1; }
  int64_t out_w() const { return (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1; }
};

// Each input pixel scatters into the output:
//   y[n, g*O/G + j, iy*s - p + ky*d, ix*s - p + kx*d] += w[i, j, ky, kx] * x[n, i, iy, ix]
// for i in group g, j < O/G; w has PyTorch's layout [C, O/G, kh, kw]. Then + b[o].
std::vector<float> deconv2d_reference(const DeconvRef& p, const std::vector<float>& x, const std::vector<float>& w,
                                      const std::vector<float>& b);

}  // namespace atrous::testing
