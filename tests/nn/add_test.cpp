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
using testing::Nchw;

struct AddCase {
  const char* label;
  Nchw s;
  std::vector<tag> layouts;  // per input
};

void PrintTo(const AddCase& c, std::ostream* os) { *os << c.label; }

class AddCases : public ::testing::TestWithParam<AddCase> {};

const AddCase kCases[] = {
    {"two_c3_n2_plain", {2, 3, 4, 5}, {tag::nchw, tag::nchw}},
    {"two_c16_n1_blocked", {1, 16, 3, 4}, {tag::nChw16c, tag::nChw16c}},
    {"three_c20_n2_mixed", {2, 20, 3, 3}, {tag::nchw, tag::nChw16c, tag::nhwc}},
    {"two_c3_n1_blocked_and_plain", {1, 3, 4, 4}, {tag::nChw16c, tag::nchw}},
};

std::string input_name(size_t i) { return "x" + std::to_string(i); }

Graph add_graph(const AddCase& tc) {
  Graph g;
  std::vector<std::string> names;
  for (size_t i = 0; i < tc.layouts.size(); ++i) {
    g.add_input(input_name(i), {tc.s.c, tc.s.h, tc.s.w});
    names.push_back(input_name(i));
  }
  g.add("sum", create_layer("add", json::object()), names);
  return g;
}

std::map<std::string, Tensor> make_inputs(const AddCase& tc, uint64_t seed) {
  std::map<std::string, Tensor> in;
  for (size_t i = 0; i < tc.layouts.size(); ++i)
    in[input_name(i)] = testing::in_layout(testing::random_tensor(tc.s.dims(), seed + i), tc.layouts[i]);
  return in;
}

TEST_P(AddCases, ForwardAndBackwardMatchReference) {
  const auto& tc = GetParam();
  Graph g = add_graph(tc);
  auto inputs = make_inputs(tc, 5);
  std::map<std::string, const Tensor*> feed;
  std::vector<std::vector<float>> xs;
  for (auto& [name, t] : inputs) {
    feed[name] = &t;
    xs.push_back(t.to_vector());
  }
  const auto y = g.forward(feed, true).to_vector();
  const auto want = testing::add_reference(xs);
  // Sums of up to three values in [-1, 1]: the float32 rounding of oneDNN's
  // order of summation differs from the double reference by < 1e-6.
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], want[i], 1e-6) << "at " << i;

  Tensor go = testing::random_tensor(tc.s.dims(), 9);
  g.backward(go, true);
  for (size_t i = 0; i < tc.layouts.size(); ++i) {
    const Tensor& gi = g.gradient(input_name(i));
    EXPECT_EQ(gi.desc(), inputs[input_name(i)].desc()) << "gradient must have its input's layout";
    EXPECT_EQ(gi.to_vector(), go.to_vector()) << "input " << i;  // a copy: exact
  }
}

TEST_P(AddCases, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = add_graph(tc);
  auto res = testing::check_gradients(g, make_inputs(tc, 15));
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Add, AddCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Add, RejectsMismatchedShapesAndSingleInputs) {
  Graph g;
  g.add_input("a", {3, 8, 8});
  g.add_input("b", {4, 8, 8});
  try {
    g.add("sum", create_layer("add", json::object()), {"a", "b"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("3x8x8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("4x8x8"), std::string::npos) << msg;
  }
  EXPECT_THROW(g.add("one", create_layer("add", json::object()), {"a"}), Error);
}

}  // namespace
}  // namespace atrous
