#include "nn/gate.hpp"

#include <cmath>

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

float sigmoid(float x) {
  // Two branches so that exp never overflows.
  if (x >= 0.f) return 1.f / (1.f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.f + e);
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
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < s; ++j) {
        const float a = x[i * 2 * s + j], b = x[i * 2 * s + s + j];
        y[i * s + j] = std::tanh(a) * sigmoid(b);
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
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < s; ++j) {
        const float a = x[i * 2 * s + j], b = x[i * 2 * s + s + j];
        const float ta = std::tanh(a), sb = sigmoid(b), gy = g[i * s + j];
        dx[i * 2 * s + j] = gy * sb * (1.f - ta * ta);
        dx[i * 2 * s + s + j] = gy * ta * sb * (1.f - sb);
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
