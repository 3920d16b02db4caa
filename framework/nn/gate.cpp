#include "nn/gate.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "nn/attr_error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/registry.hpp"

namespace atrous {

using namespace dnnl;

Shape Gate::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  const Shape& in = inputs[0];
  check_attr(in.c % 2 == 0, kInputsKey,
             "gate splits its input's channels into two halves (tanh, sigmoid), so they must be even, got input {}",
             in.str());
  return {in.c / 2, in.h, in.w};
}

Dims Gate::output_dims(const std::vector<Dims>& in) const { return {in[0][0], in[0][1] / 2, in[0][2], in[0][3]}; }

double Gate::flops(const std::vector<Dims>& in) const {
  // tanh, sigmoid and the product per output element.
  return 3.0 * static_cast<double>(in[0][1] / 2) * static_cast<double>(in[0][2]) * static_cast<double>(in[0][3]);
}

namespace {

// exp, tanh and the sigmoid without library calls, so that the loops below
// vectorise (glibc's scalar tanh made the gate most of a WaveNet step; this file
// is compiled with -fno-trapping-math, without which GCC keeps the compares
// below as branches). exp is
// Cephes' expf: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite), a degree-7
// polynomial for e^r, 2^n from the exponent bits; relative error ~2e-7 on the
// clamped range, where 2^n stays a normal float.
inline float exp_approx(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  const float t = x * 1.44269504088896341f;
  const int32_t n = static_cast<int32_t>(t + (t >= 0.f ? 0.5f : -0.5f));  // round to nearest
  const float nf = static_cast<float>(n);
  const float r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.f;
  return er * std::bit_cast<float>((n + 127) << 23);
}

// 1 / (1 + e^-x), from e^-|x| so that nothing overflows.
inline float sigmoid(float x) {
  const float e = exp_approx(-std::fabs(x));
  const float s = 1.f / (1.f + e);
  return x >= 0.f ? s : e * s;
}

// tanh x = sign(x) (1 - e^-2|x|) / (1 + e^-2|x|); absolute error ~1e-7.
inline float tanh_approx(float x) {
  const float e = exp_approx(-2.f * std::fabs(x));
  const float t = (1.f - e) / (1.f + e);
  return x >= 0.f ? t : -t;
}

// The layouts in which each sample holds its first C channels as one contiguous run
// followed by the last C: plain nchw, and nChw8c / nChw16c when the block divides C
// (a block never straddles the halves). In those the gate is elementwise on two
// runs, so it works in the producer's layout instead of reordering twice.
bool halves_are_contiguous(const md_t& in, const Dims& in_dims, const Dims& out_dims, md_t& out) {
  const int64_t c = out_dims[1];
  const std::pair<tag, int64_t> layouts[] = {{tag::abcd, 1}, {tag::aBcd8b, 8}, {tag::aBcd16b, 16}};
  for (const auto& [t, block] : layouts)
    if (c % block == 0 && in == md_t(in_dims, memory::data_type::f32, t)) {
      out = md_t(out_dims, memory::data_type::f32, t);
      return true;
    }
  return false;
}

class GateKernel : public Kernel {
 public:
  explicit GateKernel(const md_t& in) {
    const Dims x = in.dims();
    const Dims y{x[0], x[1] / 2, x[2], x[3]};
    if (!halves_are_contiguous(in, x, y, out_md_)) {
      in_md_ = plain_desc(x);
      out_md_ = plain_desc(y);
    } else {
      in_md_ = in;
    }
    samples_ = x[0];
    half_ = y[1] * y[2] * y[3];
  }

  md_t output_desc() const override { return out_md_; }

  void forward(const Inputs& in, Tensor& out) override {
    const dnnl::memory xm = as_layout(*in[0], in_md_, src_buf_, src_reorder_);
    cpu_stream().wait();  // the input may still be being written by a primitive
    const auto* x = static_cast<const float*>(xm.get_data_handle());
    float* y = out.data();
    const int64_t n = samples_, s = half_;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float* a = x + i * 2 * s;
      const float* b = a + s;
      float* yi = y + i * s;
#pragma omp simd
      for (int64_t j = 0; j < s; ++j) yi[j] = tanh_approx(a[j]) * sigmoid(b[j]);
    }
  }

  // d/da = g σ(b) (1 - tanh²a), d/db = g tanh(a) σ(b) (1 - σ(b)), from the input
  // (kept by the graph) rather than from stored activations.
  void backward(const Inputs& in, const Tensor&, const Tensor& grad_out, const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;
    const dnnl::memory xm = as_layout(*in[0], in_md_, src_buf_, src_reorder_);
    const bool direct = grad_in[0]->desc() == in_md_;
    if (!direct) ds_buf_.ensure(in_md_);
    cpu_stream().wait();
    const auto* x = static_cast<const float*>(xm.get_data_handle());
    const float* g = grad_out.data();
    float* dx = direct ? grad_in[0]->data() : ds_buf_.data();
    const int64_t n = samples_, s = half_;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float* a = x + i * 2 * s;
      const float* b = a + s;
      const float* gi = g + i * s;
      float* da = dx + i * 2 * s;
      float* db = da + s;
#pragma omp simd
      for (int64_t j = 0; j < s; ++j) {
        const float ta = tanh_approx(a[j]), sb = sigmoid(b[j]);
        da[j] = gi[j] * sb * (1.f - ta * ta);
        db[j] = gi[j] * ta * sb * (1.f - sb);
      }
    }
    if (!direct) ds_reorder_(ds_buf_.memory(), grad_in[0]->memory());
  }

 private:
  md_t in_md_, out_md_;
  int64_t samples_ = 0, half_ = 0;  // per-sample elements of one half
  Tensor src_buf_, ds_buf_;
  CachedReorder src_reorder_, ds_reorder_;
};

}  // namespace

std::unique_ptr<Kernel> Gate::make_kernel(const std::vector<md_t>& inputs, bool) {
  return std::make_unique<GateKernel>(inputs[0]);
}

ATROUS_REGISTER_LAYER("gate", [](const Attrs& a) { return std::make_unique<Gate>(a); });

}  // namespace atrous
