// Kernels' own activation-sized buffers live in the graph's arena (Kernel::workspace):
// a conv with a fused ReLU asks for the gradient through the ReLU in backward,
// max pooling keeps its workspace from forward to backward, dropout its
// multipliers; inference asks for no backward buffers; the plan accounts for them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using nlohmann::json;

Graph workspace_graph() {
  Graph g;
  g.add_input("x", {3, 16, 16});
  g.add("c", create_layer("conv", json{{"out", 16}}), {"x"});
  g.add("r", create_layer("relu", json::object()), {"c"});
  g.add("p", create_layer("maxpool", json{{"kernel", 2}}), {"r"});
  g.add("d", create_layer("dropout", json{{"p", 0.5}}), {"p"});
  g.fuse();  // r into c
  g.init(3);
  return g;
}

TEST(KernelWorkspace, ActivationSizedBuffersArePlannedPerPhase) {
  Graph g = workspace_graph();
  const Tensor x = testing::random_tensor({2, 3, 16, 16}, 1);
  const Tensor& y = g.forward(x, true);
  const uint64_t conv_out = 2ull * 16 * 16 * 16 * sizeof(float), pooled = conv_out / 4;
  EXPECT_GE(g.workspace("c").backward, conv_out) << "the gradient through the fused ReLU";
  EXPECT_GT(g.workspace("p").saved, 0u) << "max pooling's workspace";
  EXPECT_GE(g.workspace("d").saved, pooled) << "dropout's multipliers";
  const Graph::PlannedMemory m = g.planned_memory();
  EXPECT_GE(m.workspace, conv_out + pooled);
  EXPECT_GE(m.arena, m.live_peak);
  g.backward(testing::random_tensor(y.dims(), 2), true);

  g.forward(x, false);  // an inference plan: no backward, nothing kept for it
  EXPECT_EQ(g.workspace("c").backward, 0u);
  EXPECT_EQ(g.workspace("d").saved, 0u);
}

// The same gradients whether the kernels' buffers are the arena's or their own.
TEST(KernelWorkspace, GradientsMatchFiniteDifferencesWithArenaBuffers) {
  Graph g = workspace_graph();
  testing::GradCheckOptions o;
  o.eps = 1e-3;
  o.allow_kinks = true;
  const auto res = testing::check_gradients(g, {{"x", testing::random_tensor({2, 3, 16, 16}, 5)}}, o);
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

}  // namespace
}  // namespace atrous
