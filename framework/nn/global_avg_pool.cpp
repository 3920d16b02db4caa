#include "nn/global_avg_pool.hpp"

#include "core/error.hpp"
#include "nn/pool2d.hpp"
#include "nn/registry.hpp"

namespace atrous {

Shape GlobalAvgPool::bind(const std::vector<Shape>& inputs) {
  expect_one_input(inputs);
  return {inputs[0].c, 1, 1};
}

Dims GlobalAvgPool::output_dims(const std::vector<Dims>& in) const { return {in[0][0], in[0][1], 1, 1}; }

std::unique_ptr<Kernel> GlobalAvgPool::make_kernel(const std::vector<md_t>& inputs, bool) {
  const Dims x = inputs[0].dims();
  PoolSpec spec;
  spec.alg = dnnl::algorithm::pooling_avg_exclude_padding;  // no padding: both divide by H*W
  spec.kh = x[2];
  spec.kw = x[3];
  spec.sh = spec.sw = 1;
  spec.ph = spec.pw = 0;
  return make_pool_kernel(spec, inputs[0]);
}

double GlobalAvgPool::flops(const std::vector<Dims>& in) const {
  return static_cast<double>(in[0][1]) * static_cast<double>(in[0][2]) * static_cast<double>(in[0][3]);
}

ATROUS_REGISTER_LAYER("global_avgpool", [](const Attrs& a) { return std::make_unique<GlobalAvgPool>(a); });

}  // namespace atrous
