// A kernel must give the right result when handed tensors in another layout than
// the one it was created for: the graph may reuse a plan for an input of the same
// dims in another layout, and grad_in always has the actual input's layout.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/context.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"

namespace atrous {
namespace {

using nlohmann::json;

struct Result {
  std::vector<float> out;
  std::vector<std::vector<float>> grads;
};

// Forward and backward of `layer` through a kernel made for `made_for` layouts,
// fed tensors in `fed` layouts.
Result run_kernel(Layer& layer, const Dims& d, size_t inputs, tag made_for, tag fed, bool training) {
  std::vector<md_t> mds(inputs, md_t(d, dnnl::memory::data_type::f32, made_for));
  auto kernel = layer.make_kernel(mds, training);
  std::vector<Tensor> xs, gs;
  Inputs in;
  std::vector<Tensor*> gin;
  for (size_t i = 0; i < inputs; ++i) xs.push_back(testing::in_layout(testing::random_tensor(d, 60 + i), fed));
  for (size_t i = 0; i < inputs; ++i) gs.emplace_back(xs[i].desc());
  for (size_t i = 0; i < inputs; ++i) {
    in.push_back(&xs[i]);
    gin.push_back(&gs[i]);
  }
  Tensor out(kernel->output_desc());
  kernel->forward(in, out);
  Tensor go = testing::in_layout(testing::random_tensor(out.dims(), 70), fed);
  Tensor go_k(out.desc());  // grad_out comes in the output's layout
  reorder(go.memory(), go_k.memory());
  kernel->backward(in, out, go_k, gin);
  cpu_stream().wait();
  Result r{out.to_vector(), {}};
  for (auto& g : gs) r.grads.push_back(g.to_vector());
  return r;
}

TEST(LayoutMismatch, KernelsReorderTensorsOfAnotherLayout) {
  struct Case {
    const char* type;
    json attrs;
    size_t inputs;
  };
  const Case cases[] = {{"batchnorm", json::object(), 1}, {"relu", json::object(), 1},
                        {"leaky_relu", json::object(), 1}, {"dropout", json{{"p", 0.3}}, 1},
                        {"identity", json::object(), 1},  {"concat", json::object(), 2},
                        {"add", json::object(), 2}};
  const Dims d{2, 20, 3, 4};
  for (const auto& c : cases)
    for (bool training : {true, false}) {
      auto layer = create_layer(c.type, c.attrs);
      layer->bind(std::vector<Shape>(c.inputs, Shape{d[1], d[2], d[3]}));
      Rng rng(1);
      layer->init(rng);
      layer->seed(5);
      const Result want = run_kernel(*layer, d, c.inputs, tag::nchw, tag::nchw, training);
      const Result got = run_kernel(*layer, d, c.inputs, tag::nchw, tag::nChw16c, training);
      // The same kernel on the same values, only reordered on the way in and
      // out (dropout masks and batch-norm summation order follow the kernel
      // layout, not the fed one): identical results.
      EXPECT_EQ(got.out, want.out) << c.type << (training ? " training" : " inference");
      EXPECT_EQ(got.grads, want.grads) << c.type << (training ? " training" : " inference");
    }
}

}  // namespace
}  // namespace atrous
