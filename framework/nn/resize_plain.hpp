#pragma once
// Plain-layout (NCHW) bilinear and nearest resizing with PyTorch's index
// arithmetic, for the cases oneDNN's resampling does not cover (align_corners,
// PyTorch's floor-based nearest). Backward passes are the exact adjoints.
#include <cstdint>
#include <vector>

namespace atrous {

// For each output position along one axis: the two source indices and weights.
struct LinearAxis {
  std::vector<int64_t> i0, i1;
  std::vector<float> w0, w1;
};

// PyTorch's upsample_bilinear2d along one axis: with align_corners the corner
// pixels' centres coincide, src = dst (in - 1) / (out - 1) (0 when out == 1);
// without, src = max(0, (dst + 0.5) in / out - 0.5).
LinearAxis linear_axis(int64_t in, int64_t out, bool align_corners);
// PyTorch's mode='nearest': src = min(floor(dst * (float)(in / out)), in - 1).
std::vector<int64_t> nearest_axis(int64_t in, int64_t out);

// x: planes x ih x iw, y: planes x oh x ow (oh, ow = the maps' lengths).
void bilinear_forward(const float* x, float* y, int64_t planes, int64_t ih, int64_t iw, const LinearAxis& mh,
                      const LinearAxis& mw);
// Overwrites dx (planes x ih x iw) with the adjoint applied to dy.
void bilinear_backward(const float* dy, float* dx, int64_t planes, int64_t ih, int64_t iw, const LinearAxis& mh,
                       const LinearAxis& mw);
void nearest_forward(const float* x, float* y, int64_t planes, int64_t ih, int64_t iw,
                     const std::vector<int64_t>& mh, const std::vector<int64_t>& mw);
void nearest_backward(const float* dy, float* dx, int64_t planes, int64_t ih, int64_t iw,
                      const std::vector<int64_t>& mh, const std::vector<int64_t>& mw);

}  // namespace atrous
