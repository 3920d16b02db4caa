#pragma once
// Max and average pooling ("maxpool", "avgpool") with PyTorch's semantics
// (floor mode): output = (in + 2p - k) / s + 1; max pooling ignores the padding,
// average pooling counts it in the divisor unless count_include_pad is false.
// The pooling kernel is shared with global average pooling.
#include <dnnl.hpp>
#include <memory>

#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

struct PoolSpec {
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  int64_t kh = 2, kw = 2, sh = 2, sw = 2, ph = 0, pw = 0;
  // A usage error when the arithmetic overflows int64.
  static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p);
};

// A oneDNN pooling kernel that keeps the input's layout (its gradient too).
std::unique_ptr<Kernel> make_pool_kernel(const PoolSpec& spec, const md_t& input);

class Pool2d : public Layer {
 public:
  Pool2d(const Attrs& a, bool max);
  std::string type() const override { return max_ ? "maxpool" : "avgpool"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // Backward reads neither its inputs' values nor its output's (memory plan).
  bool backward_reads_input(size_t) const override { return false; }
  bool backward_reads_output() const override { return false; }
  // One comparison or addition per window element and output.
  double flops(const std::vector<Dims>& inputs) const override;
  const PoolSpec& spec() const { return spec_; }

 private:
  bool max_;
  PoolSpec spec_;
};

}  // namespace atrous
