// Parameters have dims from bind() but storage only once the graph is
// materialised (init, params(), forward): checking or summarising a model with
// billions of parameters must allocate nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/error_of.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::error_of;

bool any_allocated(const Graph& g) {
  for (const auto& n : g.nodes())
    for (const Param* p : n.layer->params())
      if (!p->value.empty() || !p->grad.empty()) return true;
  return false;
}

TEST(ParamStorage, BindingAHugeConvAllocatesNothing) {
  // 20M output channels: 540M weights, 4.3 GB of values and gradients before the fix.
  Graph g;
  g.add_input("x", {3, 16, 16});
  g.add("conv", create_layer("conv", json{{"out", 20000000}}), {"x"});
  g.add("bn", create_layer("batchnorm", json::object()), {"conv"});
  EXPECT_FALSE(any_allocated(g));
  EXPECT_EQ(g.parameter_count(), 20000000LL * 3 * 9 + 20000000 + 2 * 20000000);
  EXPECT_EQ(g.parameter_count(true), 20000000LL * 3 * 9 + 20000000 + 4 * 20000000);
  EXPECT_EQ(g.shape("bn"), (Shape{20000000, 16, 16}));
  EXPECT_GT(g.flops(16, 16), 2.0 * 16 * 16 * 20000000 * 27);
  EXPECT_FALSE(any_allocated(g));
}

Graph small_graph() {
  Graph g;
  g.add_input("x", {2, 5, 5});
  g.add("conv", create_layer("conv", json{{"out", 3}}), {"x"});
  g.add("bn", create_layer("batchnorm", json::object()), {"conv"});
  return g;
}

TEST(ParamStorage, InitParamsAndForwardMaterialise) {
  {
    Graph g = small_graph();
    g.init(1);
    for (const auto& np : g.params()) EXPECT_TRUE(np.param->allocated()) << np.name;
  }
  {
    Graph g = small_graph();
    EXPECT_FALSE(any_allocated(g));
    for (const auto& np : g.params()) {
      EXPECT_TRUE(np.param->allocated()) << np.name;
      EXPECT_EQ(np.param->value.size(), np.param->size()) << np.name;
    }
  }
  {
    Graph g = small_graph();
    const Tensor x = Tensor::plain({1, 2, 5, 5});
    g.forward(x, false);  // uninitialised weights are zeros: the point is that nothing crashes
    EXPECT_TRUE(g.nodes()[0].layer->params()[0]->allocated());
  }
}

TEST(ParamStorage, BatchNormStartsAtItsDefaultsWithoutInit) {
  Graph g = small_graph();
  const auto params = g.params();  // allocates, does not initialise
  for (const auto& np : params) {
    const float expected = np.name == "bn.weight" || np.name == "bn.running_var" ? 1.f : 0.f;
    for (float v : np.param->value) ASSERT_EQ(v, expected) << np.name;
  }
}

TEST(ParamStorage, AllocateKeepsALoadedValue) {
  Param p("weight", {2, 3}, Param::Role::weight);
  EXPECT_EQ(p.size(), 6u);
  EXPECT_FALSE(p.allocated());
  p.value = {1, 2, 3, 4, 5, 6};  // as load_parameters does
  p.allocate();
  EXPECT_TRUE(p.allocated());
  EXPECT_EQ(p.value, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(p.grad, std::vector<float>(6, 0.f));
}

TEST(ParamStorage, ElementCountOverflowIsAUsageError) {
  try {
    Param p("weight", {int64_t{1} << 40, int64_t{1} << 40}, Param::Role::weight);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    EXPECT_NE(std::string(e.what()).find("parameter 'weight' of shape 1099511627776x1099511627776 has more than 2^63"),
              std::string::npos)
        << e.what();
  }
  // Through a layer: the graph names it.
  Graph g;
  g.add_input("x", {1 << 30, 4, 4});
  const std::string m = error_of([&] { g.add("c", create_layer("conv", json{{"out", 1LL << 40}}), {"x"}); });
  EXPECT_NE(m.find("layer 'c' (conv): parameter 'weight'"), std::string::npos) << m;
}

}  // namespace
}  // namespace atrous
