// The memory plan changes where tensors live, never what is computed: for every
// model in configs/models, a graph whose arena reuses buffers gives outputs and
// gradients bit-identical to one where every tensor has a buffer of its own, in
// training and inference and at several input sizes in the same graph (so plans
// share the arena). The planned inference arena is checked against the bytes
// alive at once, computed here from the graph's structure alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "model_test_util.hpp"
#include "support/bitwise.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using testing::bitwise_equal;

std::vector<std::string> zoo() { return testing::zoo_model_names(); }

// The zoo's models at width 8 where they have a width (the bench models are 64
// wide): the plan depends on the graph's structure, not its channel counts, and
// the test stays fast.
// context_large's channels grow with its classes (32 per class): 3 classes.
ResolvedModel narrow_model(const std::string& name) {
  for (const char* narrowing : {"width=8", "classes=3"}) {
    ModelOptions o;
    o.overrides = {narrowing};
    try {
      return load_model(testing::zoo_model(name), o);
    } catch (const Error&) {  // the model has no such parameter
    }
  }
  return load_model(testing::zoo_model(name));
}

Graph zoo_graph(const ResolvedModel& m, bool reuse) {
  Graph g = build_graph(m);
  g.set_memory_reuse(reuse);
  g.fuse();
  g.init(11);
  return g;
}

class PlannedMemory : public ::testing::TestWithParam<std::string> {};

TEST_P(PlannedMemory, GivesTheSameBitsAsABufferPerTensor) {
  const ResolvedModel m = narrow_model(GetParam());
  Graph planned = zoo_graph(m, true), unplanned = zoo_graph(m, false);
  const int64_t channels = m.spec["input"]["channels"];
  const bool sequence = m.spec["input"]["height"] == 1;
  // Two sizes and back to the first: the second plan grows the arena, the third
  // pass reuses the first plan over memory the second one wrote.
  const std::vector<int64_t> sizes = sequence ? std::vector<int64_t>{64, 300, 64} : std::vector<int64_t>{32, 64, 32};
  int64_t step = 0;
  for (const int64_t size : sizes) {
    SCOPED_TRACE("input " + std::to_string(size));
    const int64_t height = sequence ? 1 : size;
    const Tensor x = testing::random_tensor({2, channels, height, size}, 5 + static_cast<uint64_t>(size));
    for (Graph* g : {&planned, &unplanned}) g->set_step(step);
    ++step;
    const auto y_planned = planned.forward(x, true).to_vector();
    const Tensor& y_unplanned = unplanned.forward(x, true);
    ASSERT_TRUE(bitwise_equal(y_planned, y_unplanned.to_vector())) << "training output";
    const Tensor go = testing::random_tensor(y_unplanned.dims(), 6);
    planned.backward(go, true);
    unplanned.backward(go, true);
    const std::string input = planned.input_names()[0];
    ASSERT_TRUE(bitwise_equal(planned.gradient(input).to_vector(), unplanned.gradient(input).to_vector()))
        << "input gradient";
    const auto pp = planned.params(), up = unplanned.params();
    for (size_t i = 0; i < pp.size(); ++i) ASSERT_TRUE(bitwise_equal(pp[i].param->grad, up[i].param->grad)) << pp[i].name;
    ASSERT_TRUE(bitwise_equal(planned.forward(x, false).to_vector(), unplanned.forward(x, false).to_vector()))
        << "inference output";
    const Graph::PlannedMemory reuse = planned.planned_memory(), own = unplanned.planned_memory();
    EXPECT_LT(reuse.arena, own.arena);
    EXPECT_GE(reuse.arena, reuse.live_peak);
  }
}

// Inference: a value lives from its producer to its last consumer (the output
// to the end), a kernel's own buffers (reorders, scratchpads, workspace) through
// its forward call. No arena can be smaller than the largest sum of those alive
// at one step, and best fit should not waste more than a quarter on top of it.
TEST_P(PlannedMemory, InferenceArenaIsNearTheLargestLiveSum) {
  const ResolvedModel m = narrow_model(GetParam());
  Graph planned = zoo_graph(m, true), unplanned = zoo_graph(m, false);
  const bool sequence = m.spec["input"]["height"] == 1;
  const Tensor x = testing::random_tensor(
      {2, m.spec["input"]["channels"].get<int64_t>(), sequence ? 1 : 64, sequence ? 300 : 64}, 1);
  planned.forward(x, false);
  unplanned.forward(x, false);  // every tensor keeps its buffer: each value's real size can be read
  const auto& nodes = unplanned.nodes();
  std::vector<size_t> last(nodes.size());
  for (size_t k = 0; k < nodes.size(); ++k) last[k] = nodes[k].name == unplanned.output_name() ? nodes.size() - 1 : k;
  for (size_t k = 0; k < nodes.size(); ++k)
    for (int id : nodes[k].inputs)
      for (size_t p = 0; p < nodes.size(); ++p)
        if (nodes[p].output == id) last[p] = std::max(last[p], k);
  // A layer that runs in place (Layer::runs_in_place) writes over its first
  // input when that input is read by nobody after it and has its layout: the
  // output then starts a step later, in the input's bytes.
  // A concat that is its inputs' only reader takes each one into its output
  // right after the input's producer runs (Graph::assembled): the inputs die
  // there, and the output is born with the first of them.
  std::vector<size_t> first(nodes.size());
  for (size_t k = 0; k < nodes.size(); ++k) first[k] = k;
  for (size_t k = 0; k < nodes.size(); ++k) {
    // Every concat whose inputs are layer outputs read by nothing else (oneDNN
    // gives a concatenation a blocked layout only when each slice starts on a block).
    bool alone = nodes[k].layer->type() == "concat";
    for (int id : nodes[k].inputs) {
      int readers = 0;
      bool produced = false;  // by a layer (not a graph input) other than the output
      for (const auto& n : nodes) {
        readers += static_cast<int>(std::count(n.inputs.begin(), n.inputs.end(), id));
        produced = produced || (n.output == id && n.name != unplanned.output_name());
      }
      alone = alone && readers == 1 && produced;
    }
    EXPECT_EQ(planned.assembled(nodes[k].name), alone) << nodes[k].name;
    if (!planned.assembled(nodes[k].name)) continue;
    for (int id : nodes[k].inputs)
      for (size_t p = 0; p < nodes.size(); ++p)
        if (nodes[p].output == id) {
          last[p] = p;
          first[k] = std::min(first[k], p);
        }
  }
  for (size_t k = 0; k < nodes.size(); ++k) {
    if (nodes[k].inputs.empty() || !nodes[k].layer->runs_in_place(false)) continue;
    for (size_t p = 0; p < k; ++p)
      if (nodes[p].output == nodes[k].inputs[0] && last[p] == k &&
          unplanned.value(nodes[p].name).desc() == unplanned.value(nodes[k].name).desc())
        first[k] = k + 1;
  }
  uint64_t peak = 0;
  for (size_t s = 0; s < nodes.size(); ++s) {
    uint64_t live = 0;
    for (size_t k = 0; k < nodes.size(); ++k)
      if (first[k] <= s && s <= last[k]) live += unplanned.value(nodes[k].name).desc().get_size();
    const KernelWorkspace w = planned.workspace(nodes[s].name);
    live += w.forward + w.saved;
    peak = std::max(peak, live);
  }
  const uint64_t arena = planned.planned_memory().arena;
  EXPECT_GE(arena, peak);
  EXPECT_LE(static_cast<double>(arena), 1.25 * static_cast<double>(peak) + 4096);
}

INSTANTIATE_TEST_SUITE_P(All, PlannedMemory, ::testing::ValuesIn(zoo()), [](const auto& info) { return info.param; });

}  // namespace
}  // namespace atrous
