#include "nn/resize_plain.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace atrous {

// The arithmetic mirrors PyTorch's CPU kernels (area_pixel_compute_scale /
// area_pixel_compute_source_index in float) so that results agree to rounding.
LinearAxis linear_axis(int64_t in, int64_t out, bool align_corners) {
  LinearAxis m;
  m.i0.resize(out);
  m.i1.resize(out);
  m.w0.resize(out);
  m.w1.resize(out);
  const float scale = align_corners ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.f)
                                    : static_cast<float>(in) / static_cast<float>(out);
  for (int64_t d = 0; d < out; ++d) {
    float src = align_corners ? scale * static_cast<float>(d) : scale * (static_cast<float>(d) + 0.5f) - 0.5f;
    if (src < 0.f) src = 0.f;
    const int64_t i0 = std::min(static_cast<int64_t>(src), in - 1);
    const float lambda = std::clamp(src - static_cast<float>(i0), 0.f, 1.f);
    m.i0[d] = i0;
    m.i1[d] = i0 < in - 1 ? i0 + 1 : i0;
    m.w1[d] = lambda;
    m.w0[d] = 1.f - lambda;
  }
  return m;
}

std::vector<int64_t> nearest_axis(int64_t in, int64_t out) {
  std::vector<int64_t> idx(out);
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int64_t d = 0; d < out; ++d)
    idx[d] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(d) * scale)), in - 1);
  return idx;
}

void bilinear_forward(const float* x, float* y, int64_t planes, int64_t ih, int64_t iw, const LinearAxis& mh,
                      const LinearAxis& mw) {
  const int64_t oh = static_cast<int64_t>(mh.i0.size()), ow = static_cast<int64_t>(mw.i0.size());
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oy = 0; oy < oh; ++oy) {
      const float* r0 = x + (p * ih + mh.i0[oy]) * iw;
      const float* r1 = x + (p * ih + mh.i1[oy]) * iw;
      const float h0 = mh.w0[oy], h1 = mh.w1[oy];
      float* out = y + (p * oh + oy) * ow;
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t a = mw.i0[ox], b = mw.i1[ox];
        out[ox] = h0 * (mw.w0[ox] * r0[a] + mw.w1[ox] * r0[b]) + h1 * (mw.w0[ox] * r1[a] + mw.w1[ox] * r1[b]);
      }
    }
}

void bilinear_backward(const float* dy, float* dx, int64_t planes, int64_t ih, int64_t iw, const LinearAxis& mh,
                       const LinearAxis& mw) {
  const int64_t oh = static_cast<int64_t>(mh.i0.size()), ow = static_cast<int64_t>(mw.i0.size());
  // One thread per plane: the scatter stays within its plane, so no races.
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    float* plane = dx + p * ih * iw;
    std::memset(plane, 0, sizeof(float) * static_cast<size_t>(ih * iw));
    for (int64_t oy = 0; oy < oh; ++oy) {
      float* r0 = plane + mh.i0[oy] * iw;
      float* r1 = plane + mh.i1[oy] * iw;
      const float h0 = mh.w0[oy], h1 = mh.w1[oy];
      const float* g = dy + (p * oh + oy) * ow;
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t a = mw.i0[ox], b = mw.i1[ox];
        const float g0 = h0 * g[ox], g1 = h1 * g[ox];
        r0[a] += mw.w0[ox] * g0;
        r0[b] += mw.w1[ox] * g0;
        r1[a] += mw.w0[ox] * g1;
        r1[b] += mw.w1[ox] * g1;
      }
    }
  }
}

void nearest_forward(const float* x, float* y, int64_t planes, int64_t ih, int64_t iw,
                     const std::vector<int64_t>& mh, const std::vector<int64_t>& mw) {
  const int64_t oh = static_cast<int64_t>(mh.size()), ow = static_cast<int64_t>(mw.size());
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oy = 0; oy < oh; ++oy) {
      const float* row = x + (p * ih + mh[oy]) * iw;
      float* out = y + (p * oh + oy) * ow;
      for (int64_t ox = 0; ox < ow; ++ox) out[ox] = row[mw[ox]];
    }
}

void nearest_backward(const float* dy, float* dx, int64_t planes, int64_t ih, int64_t iw,
                      const std::vector<int64_t>& mh, const std::vector<int64_t>& mw) {
  const int64_t oh = static_cast<int64_t>(mh.size()), ow = static_cast<int64_t>(mw.size());
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    float* plane = dx + p * ih * iw;
    std::memset(plane, 0, sizeof(float) * static_cast<size_t>(ih * iw));
    for (int64_t oy = 0; oy < oh; ++oy) {
      float* row = plane + mh[oy] * iw;
      const float* g = dy + (p * oh + oy) * ow;
      for (int64_t ox = 0; ox < ow; ++ox) row[mw[ox]] += g[ox];
    }
  }
}

}  // namespace atrous
