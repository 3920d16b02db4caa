#include "nn/identity.hpp"

#include <cstring>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/registry.hpp"

namespace atrous {

Shape Identity::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  return inputs[0];
}

namespace {

// Copies src into dst, reordering when their layouts differ.
void copy(const Tensor& src, Tensor& dst, CachedReorder& r) {
  if (src.desc() == dst.desc())
    std::memcpy(dst.data(), src.data(), src.desc().get_size());
  else
    r(src.memory(), dst.memory());
}

class IdentityKernel : public Kernel {
 public:
  explicit IdentityKernel(const md_t& in) : md_(in) {}
  md_t output_desc() const override { return md_; }
  void forward(const Inputs& in, Tensor& out) override { copy(*in[0], out, fwd_reorder_); }
  void backward(const Inputs&, const Tensor&, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    if (grad_in[0]) copy(grad_out, *grad_in[0], bwd_reorder_);
  }

 private:
  md_t md_;
  CachedReorder fwd_reorder_, bwd_reorder_;
};

}  // namespace

std::unique_ptr<Kernel> Identity::make_kernel(const std::vector<md_t>& inputs, bool) {
  return std::make_unique<IdentityKernel>(inputs[0]);
}

ATROUS_REGISTER_LAYER("identity", [](const Attrs& a) { return std::make_unique<Identity>(a); });

}  // namespace atrous
