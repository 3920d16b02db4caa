// Concat in pieces: an inference plan copies each input of a concat into its
// slice of the output right after the input's producer runs, so the inputs
// never all live beside the output (DeepLab's ASPP: five branches, each as large
// as the feature map, and their concatenation five times that). The output must
// be bit-identical to the plain concat, and the arena smaller.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/bitwise.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using testing::bitwise_equal;

using nlohmann::json;

// x -> stem (3x3 conv) -> four convs of `width` channels (ReLU fused: the
// branch outputs are the convs'; 1x1 but the first, so that their oneDNN
// scratchpads stay small beside the values) -> concat, the output.
// `extra_reader`: another layer also reads branch b1, so that branch must stay
// alive to the end and nothing is assembled.
Graph aspp_like(int64_t width, bool reuse, bool extra_reader = false) {
  Graph g;
  g.add_input("x", {8, 16, 16});
  g.add("stem", create_layer("conv", json{{"out", 16}}), {"x"});
  std::vector<std::string> branches;
  for (int64_t rate : {1, 2, 4, 8}) {
    const std::string b = "b" + std::to_string(rate);
    const json attrs = rate == 1 ? json{{"out", width}} : json{{"out", width}, {"kernel", 1}};
    g.add(b + ".conv", create_layer("conv", attrs), {"stem"});
    g.add(b, create_layer("relu", json::object()), {b + ".conv"});
    branches.push_back(b);
  }
  g.add("cat", create_layer("concat", json::object()), branches);
  if (extra_reader) {
    g.add("side", create_layer("conv", json{{"out", 4 * width}, {"kernel", 1}}), {"b1"});
    g.add("sum", create_layer("add", json::object()), {"cat", "side"});
  }
  g.set_memory_reuse(reuse);
  g.fuse();
  g.init(3);
  return g;
}

TEST(ConcatAssembly, InferenceCopiesEachBranchInAsItIsMadeWithTheSameBits) {
  for (const int64_t width : {16, 5}) {  // block-aligned slices, and not (oneDNN then picks a plain output)
    SCOPED_TRACE("width " + std::to_string(width));
    Graph planned = aspp_like(width, true), unplanned = aspp_like(width, false);
    const Tensor x = testing::random_tensor({2, 8, 48, 48}, 7);
    const auto y = planned.forward(x, false).to_vector();
    EXPECT_TRUE(bitwise_equal(y, unplanned.forward(x, false).to_vector()));
    EXPECT_TRUE(planned.assembled("cat"));
    EXPECT_FALSE(unplanned.assembled("cat"));  // no plan, no reason to
    // The branches die as they are copied in: at most one of them is alive beside
    // the input and the concatenation, never all four.
    const Graph::PlannedMemory m = planned.planned_memory();
    if (width == 16) {  // no channel padding: each branch is a quarter of the concatenation
      const uint64_t branch = m.largest_value / 4;
      uint64_t workspace = 0;
      for (const auto& n : planned.nodes()) workspace = std::max(workspace, planned.workspace(n.name).forward);
      EXPECT_LE(m.live_peak, m.largest_value + 2 * branch + workspace);
      EXPECT_LT(workspace, branch);  // so that the bound above is below 4 branches beside the concatenation
    }
    EXPECT_LT(m.arena, unplanned.planned_memory().live_peak);
    // The same plan again over an arena the first pass wrote.
    EXPECT_TRUE(bitwise_equal(planned.forward(x, false).to_vector(), y));
  }
}

TEST(ConcatAssembly, NotWhenABranchHasAnotherReaderNorInTraining) {
  Graph shared = aspp_like(16, true, /*extra_reader=*/true), reference = aspp_like(16, false, true);
  const Tensor x = testing::random_tensor({2, 8, 48, 48}, 8);
  EXPECT_TRUE(bitwise_equal(shared.forward(x, false).to_vector(), reference.forward(x, false).to_vector()));
  EXPECT_FALSE(shared.assembled("cat"));

  Graph training = aspp_like(16, true), plain = aspp_like(16, false);
  EXPECT_TRUE(bitwise_equal(training.forward(x, true).to_vector(), plain.forward(x, true).to_vector()));
  EXPECT_FALSE(training.assembled("cat"));  // the branches' own backward (fused ReLU) reads them anyway
  // An inference pass after it assembles, and backward() after that repeats the
  // forward with a training plan, so gradients are unchanged.
  EXPECT_TRUE(bitwise_equal(training.forward(x, false).to_vector(), plain.forward(x, false).to_vector()));
  EXPECT_TRUE(training.assembled("cat"));
  const Tensor go = testing::random_tensor(plain.forward(x, true).dims(), 9);
  training.forward(x, true);
  training.backward(go, true);
  plain.backward(go, true);
  EXPECT_TRUE(bitwise_equal(training.gradient("x").to_vector(), plain.gradient("x").to_vector()));
}

TEST(ConcatAssembly, PlansFromShapesCountIt) {
  // From shapes alone (plain layouts): 4 branches of 2x16x16x16 floats and their
  // concatenation; without assembly all four would be alive beside it.
  Graph g = aspp_like(16, true);
  const double branch = 2.0 * 16 * 16 * 16 * 4;
  const double planned = g.planned_bytes(2, 16, 16, false);
  EXPECT_LT(planned, 4 * branch + 4 * branch);
  EXPECT_GE(planned, 4 * branch + branch);  // the concatenation and the branch being copied in
}

}  // namespace
}  // namespace atrous
