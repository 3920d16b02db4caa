#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "nn/resize.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_resize.hpp"

namespace atrous {
namespace {

using nlohmann::json;

enum class Target { size, scale, like };

struct ResizeCase {
  const char* label;
  int64_t n, c, h, w;
  int64_t oh, ow;  // expected output size
  bool bilinear;
  bool align_corners;
  Target target;
  double scale;  // Target::scale only
  tag layout;    // of the input fed to the graph
};

void PrintTo(const ResizeCase& c, std::ostream* os) { *os << c.label; }

constexpr tag kPlain = tag::nchw;
constexpr tag kBlocked = tag::nChw8c;

const ResizeCase kCases[] = {
    {"bilinear_x2", 2, 3, 5, 4, 10, 8, true, false, Target::scale, 2.0, kPlain},
    {"bilinear_x2_align", 2, 3, 5, 4, 10, 8, true, true, Target::scale, 2.0, kPlain},
    {"bilinear_x3", 1, 2, 4, 5, 12, 15, true, false, Target::scale, 3.0, kPlain},
    {"bilinear_x3_align", 1, 2, 4, 5, 12, 15, true, true, Target::scale, 3.0, kPlain},
    {"bilinear_down", 2, 2, 9, 7, 4, 3, true, false, Target::size, 0, kPlain},
    {"bilinear_down_align", 2, 2, 9, 7, 4, 3, true, true, Target::size, 0, kPlain},
    {"bilinear_half_odd", 1, 3, 9, 7, 4, 3, true, false, Target::scale, 0.5, kPlain},
    {"bilinear_uneven", 1, 2, 5, 4, 8, 11, true, false, Target::size, 0, kPlain},
    {"bilinear_uneven_align", 1, 2, 5, 4, 8, 11, true, true, Target::size, 0, kPlain},
    {"bilinear_mixed_up_down", 1, 2, 6, 9, 13, 4, true, false, Target::size, 0, kPlain},
    {"bilinear_mixed_up_down_align", 1, 2, 6, 9, 13, 4, true, true, Target::size, 0, kPlain},
    {"bilinear_identity", 1, 2, 6, 5, 6, 5, true, false, Target::size, 0, kPlain},
    {"bilinear_identity_align", 1, 2, 6, 5, 6, 5, true, true, Target::size, 0, kPlain},
    {"bilinear_like_align", 2, 3, 5, 6, 11, 13, true, true, Target::like, 0, kPlain},
    {"bilinear_like", 2, 3, 5, 6, 11, 13, true, false, Target::like, 0, kPlain},
    // The image-pooling branch of ASPP: 1x1 broadcast to the feature map's size.
    {"broadcast_1x1_align", 2, 4, 1, 1, 7, 9, true, true, Target::like, 0, kPlain},
    {"broadcast_1x1", 2, 4, 1, 1, 7, 9, true, false, Target::like, 0, kPlain},
    {"broadcast_1x1_align_blocked", 2, 5, 1, 1, 7, 9, true, true, Target::like, 0, kBlocked},
    {"bilinear_blocked", 1, 5, 5, 4, 9, 7, true, false, Target::size, 0, kBlocked},
    {"bilinear_align_blocked", 1, 5, 5, 4, 9, 7, true, true, Target::size, 0, kBlocked},
    {"nearest_x2", 2, 3, 5, 4, 10, 8, false, false, Target::scale, 2.0, kPlain},
    {"nearest_x3", 1, 2, 4, 5, 12, 15, false, false, Target::size, 0, kPlain},
    {"nearest_x2_blocked", 1, 5, 4, 3, 8, 6, false, false, Target::scale, 2.0, kBlocked},
    {"nearest_uneven", 1, 2, 5, 4, 8, 11, false, false, Target::size, 0, kPlain},
    {"nearest_down", 2, 2, 9, 7, 4, 3, false, false, Target::size, 0, kPlain},
    {"nearest_down_blocked", 1, 5, 9, 7, 4, 3, false, false, Target::size, 0, kBlocked},
    {"nearest_like", 1, 3, 3, 5, 7, 8, false, false, Target::like, 0, kPlain},
    // Same size in and out: the identity (copy) path.
    {"bilinear_same_size_like", 2, 3, 5, 6, 5, 6, true, false, Target::like, 0, kPlain},
    {"bilinear_same_size_blocked", 1, 5, 4, 4, 4, 4, true, true, Target::size, 0, kBlocked},
};

json resize_attrs(const ResizeCase& tc) {
  json a = {{"mode", tc.bilinear ? "bilinear" : "nearest"}};
  if (tc.bilinear) a["align_corners"] = tc.align_corners;
  if (tc.target == Target::size) a["size"] = {tc.oh, tc.ow};
  if (tc.target == Target::scale) a["scale"] = tc.scale;
  return a;
}

Graph resize_graph(const ResizeCase& tc) {
  Graph g;
  g.add_input("x", {tc.c, tc.h, tc.w});
  std::vector<std::string> inputs{"x"};
  if (tc.target == Target::like) {
    g.add_input("like", {2, tc.oh, tc.ow});
    inputs.push_back("like");
  }
  g.add("resize", create_layer("resize", resize_attrs(tc)), inputs);
  return g;
}

Tensor in_layout(const Tensor& plain, tag layout) {
  Tensor t(md_t(plain.dims(), dnnl::memory::data_type::f32, layout));
  const auto v = plain.to_vector();
  t.copy_from_plain(v.data(), static_cast<int64_t>(v.size()));
  return t;
}

std::map<std::string, Tensor> case_inputs(const ResizeCase& tc, uint64_t seed) {
  std::map<std::string, Tensor> in;
  in["x"] = in_layout(testing::random_tensor({tc.n, tc.c, tc.h, tc.w}, seed), tc.layout);
  if (tc.target == Target::like) in["like"] = testing::random_tensor({tc.n, 2, tc.oh, tc.ow}, seed + 1);
  return in;
}

std::map<std::string, const Tensor*> pointers(const std::map<std::string, Tensor>& in) {
  std::map<std::string, const Tensor*> p;
  for (const auto& [k, v] : in) p[k] = &v;
  return p;
}

class ResizeCases : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(ResizeCases, ForwardMatchesNaiveReference) {
  const auto& tc = GetParam();
  Graph g = resize_graph(tc);
  EXPECT_EQ(g.shape("resize"), (Shape{tc.c, tc.oh, tc.ow}));
  const auto in = case_inputs(tc, 3);
  const Tensor& out = g.forward(pointers(in), false);
  ASSERT_EQ(out.dims(), (Dims{tc.n, tc.c, tc.oh, tc.ow}));
  const auto y = out.to_vector();
  const testing::ResizeRef r{tc.n, tc.c, tc.h, tc.w, tc.oh, tc.ow};
  const auto x = in.at("x").to_vector();
  const auto expected = tc.bilinear ? testing::bilinear_reference(r, tc.align_corners, x)
                                    : testing::nearest_reference(r, x);
  ASSERT_EQ(y.size(), expected.size());
  // Bilinear: convex combinations of values in [-1, 1] with weights computed in
  // float (ours) vs double (reference): differences of a few 1e-7. Nearest copies.
  const double tol = tc.bilinear ? 1e-5 : 0.0;
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], tol) << "at " << i;
}

TEST_P(ResizeCases, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = resize_graph(tc);
  std::map<std::string, Tensor> in;  // the checker perturbs plain tensors
  in["x"] = testing::random_tensor({tc.n, tc.c, tc.h, tc.w}, 5);
  if (tc.target == Target::like) in["like"] = testing::random_tensor({tc.n, 2, tc.oh, tc.ow}, 6);
  // Default tolerances (gradient_checker.hpp): resizing is linear, so central
  // differences are exact up to float32 round-off. The `like` input's gradient
  // must come out as zero.
  auto res = testing::check_gradients(g, std::move(in));
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

// Backward is exactly the transpose of the reference operator A: column j of A is
// the reference applied to the unit image e_j, so dL/dx_j = <A e_j, r>. Checked
// for every input element, in the input's own layout.
TEST_P(ResizeCases, BackwardIsTheTransposedReference) {
  const auto& tc = GetParam();
  Graph g = resize_graph(tc);
  const auto in = case_inputs(tc, 7);
  g.forward(pointers(in), true);
  const Tensor r = testing::random_tensor({tc.n, tc.c, tc.oh, tc.ow}, 8);
  g.backward(r, true);
  EXPECT_EQ(g.gradient("x").desc(), in.at("x").desc());
  const auto rv = r.to_vector(), gx = g.gradient("x").to_vector();
  const testing::ResizeRef ref{tc.n, tc.c, tc.h, tc.w, tc.oh, tc.ow};
  std::vector<float> unit(gx.size(), 0.f);
  for (size_t j = 0; j < unit.size(); ++j) {
    unit[j] = 1.f;
    const auto column = tc.bilinear ? testing::bilinear_reference(ref, tc.align_corners, unit)
                                    : testing::nearest_reference(ref, unit);
    unit[j] = 0.f;
    double expected = 0;
    for (size_t i = 0; i < column.size(); ++i) expected += static_cast<double>(column[i]) * rv[i];
    // dx_j sums k terms w * r with sum(w) <= k, |r| <= 1, in float32: error
    // <= k * 6e-8, k <= 63 here (the 7x9 broadcast).
    ASSERT_NEAR(gx[j], expected, 1e-5) << "dx at " << j;
  }
  if (tc.target == Target::like) {
    for (float v : g.gradient("like").to_vector()) ASSERT_EQ(v, 0.f);
  }
}

INSTANTIATE_TEST_SUITE_P(Resize, ResizeCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

// PyTorch computes nearest indices as floor(dst * (float)(in / out)) in float32,
// which differs from exact arithmetic for some sizes; we follow PyTorch. Expected
// indices from torch 1.13: F.interpolate(arange(26)[None, None, None], size=(1, 22)).
TEST(Resize, NearestFollowsPyTorchFloatRounding) {
  Graph g;
  g.add_input("x", {1, 1, 26});
  g.add("resize", create_layer("resize", json{{"mode", "nearest"}, {"size", {1, 22}}}), {"x"});
  std::vector<float> x(26);
  for (int i = 0; i < 26; ++i) x[i] = static_cast<float>(i);
  const auto y = g.forward(Tensor::from_plain({1, 1, 1, 26}, x), false).to_vector();
  const std::vector<float> torch = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24};
  EXPECT_EQ(y, torch);  // exact arithmetic would give 13 at position 11
}

// One layer, several input sizes (the graph caches a kernel per size).
TEST(Resize, ScaleFollowsTheInputSize) {
  Graph g;
  g.add_input("x", {2, 8, 8});
  g.add("up", create_layer("resize", json{{"scale", 0.5}, {"align_corners", true}}), {"x"});
  for (int64_t s : {8, 7, 12}) {
    Tensor x = testing::random_tensor({1, 2, s, s + 3}, static_cast<uint64_t>(s));
    const Tensor& out = g.forward(x, false);
    ASSERT_EQ(out.dims(), (Dims{1, 2, s / 2, (s + 3) / 2}));
    const auto expected = testing::bilinear_reference({1, 2, s, s + 3, s / 2, (s + 3) / 2}, true, x.to_vector());
    const auto y = out.to_vector();
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5) << "size " << s;
  }
}

TEST(Resize, FlopsCountFourMultiplyAddsPerOutput) {
  Graph g;
  g.add_input("x", {3, 8, 8});
  g.add("up", create_layer("resize", json{{"size", {16, 12}}}), {"x"});
  EXPECT_DOUBLE_EQ(g.flops(8, 8), 8.0 * 3 * 16 * 12);
}

TEST(Resize, RejectsBadAttributes) {
  auto message = [](const json& a) {
    try {
      create_layer("resize", a, "layer 'r' (resize)");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"size", {4, 4}}, {"scale", 2}}).find("'scale'"), std::string::npos);
  EXPECT_NE(message({{"mode", "bicubic"}}).find("'mode'"), std::string::npos);
  EXPECT_NE(message({{"mode", "nearest"}, {"align_corners", true}}).find("'align_corners'"), std::string::npos);
  EXPECT_NE(message({{"scale", -1.0}}).find("'scale'"), std::string::npos);
  EXPECT_NE(message({{"size", {0, 4}}}).find("'size'"), std::string::npos);
  EXPECT_NE(message({{"size", 4}, {"align_corner", true}}).find("unknown key 'align_corner'"), std::string::npos);
}

TEST(Resize, NeedsExactlyOneTarget) {
  Graph g;
  g.add_input("x", {2, 4, 4});
  g.add_input("y", {2, 8, 8});
  EXPECT_THROW(g.add("a", create_layer("resize", json::object()), {"x"}), Error);
  EXPECT_THROW(g.add("b", create_layer("resize", json{{"size", 8}}), {"x", "y"}), Error);
  g.add("c", create_layer("resize", json::object()), {"x", "y"});
  EXPECT_EQ(g.shape("c"), (Shape{2, 8, 8}));
  const auto* layer = g.nodes().back().layer.get();
  EXPECT_TRUE(layer->input_needs_grad(0));
  EXPECT_FALSE(layer->input_needs_grad(1));
}

}  // namespace
}  // namespace atrous
