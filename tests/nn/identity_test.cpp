#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"

namespace atrous {
namespace {

using nlohmann::json;

TEST(Identity, CopiesInEveryLayoutAndPassesGradientsThrough) {
  const Dims dims[] = {{2, 3, 4, 5}, {1, 16, 3, 3}, {2, 20, 2, 3}};
  for (const auto& d : dims)
    for (tag t : {tag::nchw, tag::nChw16c, tag::nhwc}) {
      Graph g;
      g.add_input("x", {d[1], d[2], d[3]});
      g.add("id", create_layer("identity", json::object()), {"x"});
      Tensor x = testing::in_layout(testing::random_tensor(d, 3), t);
      const Tensor& y = g.forward(x, true);
      EXPECT_EQ(y.desc(), x.desc());
      EXPECT_NE(y.data(), x.data()) << "identity copies";
      EXPECT_EQ(y.to_vector(), x.to_vector());  // exact copy
      Tensor go = testing::random_tensor(d, 4);
      g.backward(go, true);
      EXPECT_EQ(g.gradient("x").desc(), x.desc());
      EXPECT_EQ(g.gradient("x").to_vector(), go.to_vector());
      auto res = testing::check_gradients(g, {{"x", testing::in_layout(testing::random_tensor(d, 5), t)}});
      EXPECT_GT(res.checked, 0);
      EXPECT_EQ(res.failed, 0) << res.report;
    }
}

TEST(Identity, RejectsAttributesAndSeveralInputs) {
  EXPECT_THROW(create_layer("identity", json{{"p", 0.5}}), Error);
  Graph g;
  g.add_input("a", {3, 4, 4});
  g.add_input("b", {3, 4, 4});
  EXPECT_THROW(g.add("id", create_layer("identity", json::object()), {"a", "b"}), Error);
}

}  // namespace
}  // namespace atrous
