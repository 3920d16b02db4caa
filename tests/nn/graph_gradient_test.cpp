// What Graph::gradient() returns across passes and plans: the input gradients of
// the last backward() that asked for them, untouched by later forward() calls on
// any plan (a gradient check runs forwards between backward and reading them),
// and after set_output() the gradient with respect to the new output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/error_of.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using nlohmann::json;

// x -> a (conv) -> r (relu) -> b (conv): a and r are intermediate outputs a test
// can switch to.
Graph small_graph(const std::string& output = "") {
  Graph g;
  g.add_input("x", {2, 8, 8});
  g.add("a", create_layer("conv", json{{"out", 3}}), {"x"});
  g.add("r", create_layer("relu", json::object()), {"a"});
  g.add("b", create_layer("conv", json{{"out", 2}}), {"r"});
  if (!output.empty()) g.set_output(output);
  g.init(7);
  return g;
}

TEST(GraphGradient, InputGradientSurvivesLaterForwardsOnOtherPlans) {
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "inference");
    Graph g = small_graph();
    const Tensor x = testing::random_tensor({1, 2, 8, 8}, 1);
    const Tensor go = testing::random_tensor(g.forward(x, training).dims(), 2);
    g.backward(go, true);
    const std::vector<float> first = g.gradient("x").to_vector();
    // Another size (a new plan), then inference (no gradients in its plan).
    g.forward(testing::random_tensor({1, 2, 12, 12}, 3), training);
    g.forward(x, false);
    EXPECT_EQ(g.gradient("x").to_vector(), first);
  }
}

TEST(GraphGradient, ABackwardWithoutInputGradientsLeavesNoneToRead) {
  Graph g = small_graph();
  const Tensor x = testing::random_tensor({1, 2, 8, 8}, 1);
  const Tensor go = testing::random_tensor(g.forward(x, true).dims(), 2);
  g.backward(go, true);
  g.forward(x, true);
  g.backward(go, false);
  EXPECT_NE(testing::error_of([&] { g.gradient("x"); }).find("did not ask for input gradients"), std::string::npos);
}

TEST(GraphGradient, SetOutputAfterRunningGivesTheNewOutputsGradient) {
  const Tensor x = testing::random_tensor({1, 2, 8, 8}, 1);
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "inference");
    Graph switched = small_graph();
    switched.forward(x, training);  // plans for output b
    for (const std::string out : {"r", "a", "b"}) {
      SCOPED_TRACE("output " + out);
      Graph fresh = small_graph(out);
      switched.set_output(out);
      const Tensor& y = switched.forward(x, training);
      ASSERT_EQ(y.to_vector(), fresh.forward(x, training).to_vector());
      const Tensor go = testing::random_tensor(y.dims(), 4);
      switched.backward(go, true);
      fresh.backward(go, true);
      EXPECT_EQ(switched.gradient("x").to_vector(), fresh.gradient("x").to_vector());
    }
  }
}

// An input read by several layers: its gradient is the sum of what each one
// gives, summed through a scratch buffer the memory plan must size from the
// input's own descriptor (it once had none, and backward failed). Checked
// against finite differences, with and without the memory plan.
TEST(GraphGradient, AnInputReadByTwoLayersGetsTheSumOfTheirGradients) {
  for (const bool reuse : {true, false}) {
    SCOPED_TRACE(reuse ? "planned" : "a buffer per tensor");
    Graph g;
    g.add_input("x", {2, 8, 8});
    g.add("a", create_layer("conv", json{{"out", 3}}), {"x"});
    g.add("b", create_layer("conv", json{{"out", 3}, {"dilation", 2}}), {"x"});
    g.add("sum", create_layer("add", json::object()), {"a", "b"});
    g.set_memory_reuse(reuse);
    g.init(7);
    const auto r = testing::check_gradients(g, {{"x", testing::random_tensor({1, 2, 8, 8}, 1)}});
    EXPECT_GT(r.checked, 0);
    EXPECT_EQ(r.failed, 0) << r.report;
  }
}

}  // namespace
}  // namespace atrous
