#pragma once
// Naive pooling (PyTorch's MaxPool2d / AvgPool2d in floor mode) and global
// average pooling, plain loops over NCHW.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace atrous::testing {

struct PoolRef {
  int64_t n, c, h, w;
  int64_t kh, kw, sh, sw, ph = 0, pw = 0;
  bool count_include_pad = true;  // average pooling only
  int64_t out_h() const { return (h + 2 * ph - kh) / sh + 1; }
  int64_t out_w() const { return (w + 2 * pw - kw) / sw + 1; }
};

// Maximum over the window's pixels inside the image (padding never wins).
std::vector<float> maxpool_reference(const PoolRef& p, const std::vector<float>& x);
// Sum over the window's pixels inside the image, divided (as PyTorch does) by the
// window clipped to the padded image when count_include_pad, else by the number
// of pixels inside the image.
std::vector<float> avgpool_reference(const PoolRef& p, const std::vector<float>& x);
// Mean of each channel: N x C x H x W -> N x C.
std::vector<float> global_avgpool_reference(int64_t n, int64_t c, int64_t h, int64_t w, const std::vector<float>& x);

}  // namespace atrous::testing
