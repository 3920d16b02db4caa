#pragma once
// Resampling of planar float images and of label masks on the same pixel grid:
// both map output pixel centre o to source coordinate (o + 0.5)·in/out − 0.5
// (half-pixel centres, PyTorch's align_corners=False), so a mask resized
// nearest stays aligned with its image resized bilinear.
#include <cstdint>
#include <vector>

namespace atrous {

// C×H×W → C×out_h×out_w, bilinear; source coordinates clamped to the image.
std::vector<float> resize_bilinear(const std::vector<float>& src, int64_t channels, int64_t height, int64_t width,
                                   int64_t out_h, int64_t out_w);
// H×W → out_h×out_w, nearest: the source pixel whose centre is closest
// (index floor((o + 0.5)·in/out)); labels are never blended.
std::vector<uint8_t> resize_nearest(const std::vector<uint8_t>& src, int64_t height, int64_t width, int64_t out_h,
                                    int64_t out_w);

}  // namespace atrous
