#include "nn/add.hpp"

#include <cstring>

#include "core/error.hpp"
#include "nn/attr_error.hpp"
#include "nn/registry.hpp"

namespace atrous {

using namespace dnnl;

Shape Add::bind(const std::vector<Shape>& inputs) {
  expect_agreeing_inputs(inputs, 2, /*same_channels=*/true);
  return inputs[0];
}

Dims Add::output_dims(const std::vector<Dims>& inputs) const {
  for (const auto& d : inputs)
    check_attr(d == inputs[0], kInputsKey, "inputs must have the same dims, got {} and {}", dims_str(inputs[0]),
               dims_str(d));
  return inputs[0];
}

double Add::flops(const std::vector<Dims>& in) const {
  return static_cast<double>(in.size() - 1) * static_cast<double>(in[0][1]) * static_cast<double>(in[0][2]) * static_cast<double>(in[0][3]);
}

namespace {

// oneDNN's sum accepts sources in different layouts; it picks the output's.
class AddKernel : public MultiSourceKernel<sum> {
 public:
  explicit AddKernel(const std::vector<md_t>& in)
      : MultiSourceKernel(in.size(), sum::primitive_desc(std::vector<float>(in.size(), 1.f), in, cpu_engine())),
        grad_reorders_(in.size()) {}

  // d(sum)/d(input i) is the identity: each input gets grad_out in its own layout.
  void backward(const Inputs&, const Tensor&, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    for (size_t i = 0; i < n_; ++i) {
      if (!grad_in[i]) continue;
      if (grad_in[i]->desc() == grad_out.desc())
        std::memcpy(grad_in[i]->data(), grad_out.data(), grad_out.desc().get_size());
      else
        grad_reorders_[i](grad_out.memory(), grad_in[i]->memory());
    }
  }

 private:
  std::vector<CachedReorder> grad_reorders_;
};

}  // namespace

std::unique_ptr<Kernel> Add::make_kernel(const std::vector<md_t>& inputs, bool) {
  return std::make_unique<AddKernel>(inputs);
}

ATROUS_REGISTER_LAYER("add", [](const Attrs& a) { return std::make_unique<Add>(a); });

}  // namespace atrous
