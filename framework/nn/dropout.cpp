#include "nn/dropout.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/workspace_block.hpp"
#include "nn/registry.hpp"

namespace atrous {

namespace {
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// SplitMix64's finaliser: a bijective mix whose outputs for consecutive counters
// pass BigCrush (it is the SplitMix64 generator evaluated at any position).
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

DropoutMask::DropoutMask(uint64_t seed, int64_t step, double p)
    : key(mix64(seed ^ mix64(static_cast<uint64_t>(step) * kGolden + 1))),
      threshold(static_cast<uint64_t>(p * 65536.0)) {}

// One hash gives the draws of four consecutive elements (16 bits each): p is
// resolved to 1/65536, and the mask costs a quarter of the hashing.
uint64_t DropoutMask::draws(uint64_t group) const { return mix64(key + (group + 1) * kGolden); }

bool DropoutMask::keep(uint64_t index) const {
  return ((draws(index >> 2) >> (16 * (index & 3))) & 0xFFFF) >= threshold;
}

Dropout::Dropout(const Attrs& a) {
  p_ = a.get_float("p", 0.5);
  a.require(p_ >= 0.0 && p_ < 1.0, "p", "must be in [0, 1)");
}

Shape Dropout::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  return inputs[0];
}

double Dropout::flops(const std::vector<Dims>&) const { return 0.0; }  // identity at inference

namespace {

class DropoutKernel : public Kernel {
 public:
  DropoutKernel(const Dropout& layer, const md_t& in, bool training)
      : L(layer), md_(in), active_(training && layer.p() > 0.0) {
    if (active_) saved_ws_.add(multipliers_, md_);
  }

  md_t output_desc() const override { return md_; }
  KernelWorkspace workspace() const override { return {0, 0, saved_ws_.bytes()}; }
  void bind_workspace(std::byte*, std::byte*, std::byte* saved) override { saved_ws_.bind(saved); }

  void forward(const Inputs& in, Tensor& out) override {
    const dnnl::memory src = as_layout(*in[0], md_, src_buf_, src_reorder_);
    const auto* x = static_cast<const float*>(src.get_data_handle());
    if (!active_) {
      if (out.data() != x) std::memcpy(out.data(), x, md_.get_size());  // in place: nothing to do
      return;
    }
    // The multipliers (0 or 1/(1-p)) are kept for backward: the step may change
    // in between, and re-hashing would cost as much as the forward.
    const DropoutMask m = L.mask();
    const float scale = static_cast<float>(1.0 / (1.0 - L.p()));
    const int64_t count = static_cast<int64_t>(out.physical_size());
    multipliers_.ensure(md_);
    float* k = multipliers_.data();
    float* y = out.data();
    // One hash per four elements (DropoutMask::draws), not one per element.
    const int64_t groups = (count + 3) / 4;
#pragma omp parallel for schedule(static)
    for (int64_t g = 0; g < groups; ++g) {
      const uint64_t h = m.draws(static_cast<uint64_t>(g));
      const int64_t end = std::min(count, 4 * g + 4);
      for (int64_t i = 4 * g, j = 0; i < end; ++i, ++j) {
        k[i] = ((h >> (16 * j)) & 0xFFFF) >= m.threshold ? scale : 0.f;
        y[i] = x[i] * k[i];
      }
    }
  }

  void backward(const Inputs&, const Tensor&, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;
    // The mask indexes the physical buffer of the kernel's layout.
    const dnnl::memory dd = as_layout(grad_out, md_, dd_buf_, dd_reorder_);
    const auto* g = static_cast<const float*>(dd.get_data_handle());
    const bool direct = grad_in[0]->desc() == md_;
    if (!direct) ds_buf_.ensure(md_);
    float* dst = direct ? grad_in[0]->data() : ds_buf_.data();
    if (active_) {
      const float* k = multipliers_.data();
      const int64_t count = static_cast<int64_t>(multipliers_.physical_size());
#pragma omp parallel for simd schedule(static)
      for (int64_t i = 0; i < count; ++i) dst[i] = g[i] * k[i];
    } else
      std::memcpy(dst, g, md_.get_size());
    if (!direct) ds_reorder_(ds_buf_.memory(), grad_in[0]->memory());
  }

 private:
  // The multipliers index the physical buffer; blocked padding is zero in x and
  // so stays zero in y.
  const Dropout& L;
  md_t md_;
  bool active_;
  Tensor multipliers_;  // in md_'s physical layout, from forward to backward
  WorkspaceBlock saved_ws_;
  Tensor src_buf_, dd_buf_, ds_buf_;
  CachedReorder src_reorder_, dd_reorder_, ds_reorder_;
};

}  // namespace

std::unique_ptr<Kernel> Dropout::make_kernel(const std::vector<md_t>& inputs, bool training) {
  return std::make_unique<DropoutKernel>(*this, inputs[0], training);
}

ATROUS_REGISTER_LAYER("dropout", [](const Attrs& a) { return std::make_unique<Dropout>(a); });

}  // namespace atrous
