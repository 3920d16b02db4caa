// Theoretical receptive fields: the paper's Table 1, the lesson's stacks (with
// the corrected values), pooling, stride, transposed convolutions, resizing,
// global pooling and branches; and, as an independent reference, the extent of
// the non-zero input gradient of one output pixel when every weight is 1 (no
// cancellation can hide a dependency then), measured on the real graph.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/summary.hpp"
#include "model_test_util.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

std::map<std::string, ReceptiveField> fields(const std::string& yaml) {
  const ResolvedModel m = load_model_string(yaml, "rf.yaml");
  const Graph g = build_graph(m);
  std::map<std::string, ReceptiveField> out;
  for (const auto& l : summarize(m, g).layers) out[l.name] = l.rf;
  return out;
}

std::string stack(const std::string& kernel, const std::string& rates) {
  return "input: {channels: 1, height: 64, width: 64}\n"
         "layers:\n  - {name: c, type: conv, out: 1, kernel: " +
         kernel + ", repeat: {dilation: " + rates + "}}\n";
}

int64_t rf_of_last(const std::string& yaml) {
  const auto f = fields(yaml);
  // The last repeat of `c` has the largest index; names sort by it (< 10 layers).
  return std::prev(f.end())->second.h.size;
}

TEST(ReceptiveField, PaperTable1ContextBasic) {
  const ResolvedModel m = load_model(testing::zoo_model("context_basic"));
  const Graph g = build_graph(m);
  std::vector<int64_t> convs;
  for (const auto& l : summarize(m, g).layers)
    if (l.type == "conv") {
      convs.push_back(l.rf.h.size);
      EXPECT_EQ(l.rf.str(), std::to_string(l.rf.h.size));  // square
      EXPECT_EQ(l.rf.jump_str(), "1");
    }
  EXPECT_EQ(convs, (std::vector<int64_t>{3, 5, 9, 17, 33, 65, 67, 67}));
}

TEST(ReceptiveField, StackedDilations) {
  // RF = 1 + sum (k-1) d; the lesson's printed 21 for [1,2,4,8] and 15 for 3x 7x7 are wrong.
  EXPECT_EQ(rf_of_last(stack("3", "[1, 1, 1, 1]")), 9);
  EXPECT_EQ(rf_of_last(stack("3", "[1, 2, 4, 8]")), 31);
  EXPECT_EQ(rf_of_last(stack("3", "[2, 2, 2, 2]")), 17);
  EXPECT_EQ(rf_of_last(stack("3", "[1, 2, 4]")), 15);
  EXPECT_EQ(rf_of_last(stack("7", "[1, 1, 1]")), 19);
  EXPECT_EQ(rf_of_last(stack("[3, 1]", "[1, 2]")), 7);
  const auto f = fields(stack("[3, 1]", "[1, 2]"));
  EXPECT_EQ(f.at("c.1").w.size, 1);
  EXPECT_EQ(f.at("c.1").str(), "7x1");
}

TEST(ReceptiveField, PoolingAndStride) {
  const auto p = fields(R"(
input: {channels: 1, height: 64, width: 64}
layers:
  - {name: a, type: conv, out: 1}
  - {name: p, type: maxpool, kernel: 2}
  - {name: b, type: conv, out: 1}
  - {name: q, type: avgpool, kernel: 3, stride: 2, padding: 1}
  - {name: c, type: conv, out: 1, dilation: 2}
)");
  EXPECT_EQ(p.at("a").h.size, 3);
  EXPECT_EQ(p.at("p").h.size, 4);  // 3 + (2-1)*1
  EXPECT_EQ(p.at("p").jump_str(), "2");
  EXPECT_EQ(p.at("b").h.size, 8);   // 4 + 2*2
  EXPECT_EQ(p.at("q").h.size, 12);  // 8 + 2*2
  EXPECT_EQ(p.at("q").jump_str(), "4");
  EXPECT_EQ(p.at("c").h.size, 28);  // 12 + 2*2*4
  const auto s = fields(R"(
input: {channels: 1, height: 64, width: 64}
layers:
  - {name: a, type: conv, out: 1, stride: 2}
  - {name: b, type: conv, out: 1}
  - {name: c, type: conv, out: 1, dilation: 2}
)");
  EXPECT_EQ(s.at("a").h.size, 3);
  EXPECT_EQ(s.at("b").h.size, 7);
  EXPECT_EQ(s.at("c").h.size, 15);
  EXPECT_EQ(s.at("c").jump_str(), "2");
}

TEST(ReceptiveField, TransposedConvolutions) {
  const auto f = fields(R"(
input: {channels: 1, height: 32, width: 32}
layers:
  - {name: a, type: conv, out: 1}
  - {name: up, type: deconv, out: 1, kernel: 4, stride: 2, padding: 1}
  - {name: b, type: conv, out: 1}
)");
  // Each upsampled pixel reads 2 of a's pixels: 3 + 1; then three upsampled
  // neighbours span 3 of a's pixels: 3 + 2.
  EXPECT_EQ(f.at("up").h.size, 4);
  EXPECT_EQ(f.at("up").jump_str(), "1/2");
  EXPECT_EQ(f.at("b").h.size, 5);
}

TEST(ReceptiveField, GlobalPoolingAndBranches) {
  const auto f = fields(R"(
input: {channels: 1, height: 32, width: 32}
layers:
  - {name: a, type: conv, out: 2}
  - {name: wide, type: conv, out: 2, dilation: 4}
  - {name: narrow, type: conv, out: 2, kernel: 1, from: a}
  - {name: cat, type: concat, from: [narrow, wide]}
  - {name: g, type: global_avgpool, from: a}
  - {name: up, type: resize, from: [g, a]}
  - {name: all, type: concat, from: [cat, up]}
)");
  EXPECT_EQ(f.at("cat").h.size, 11);  // the largest path: 3 + 2*4
  EXPECT_TRUE(f.at("g").global);
  EXPECT_EQ(f.at("g").str(), "global");
  EXPECT_EQ(f.at("all").str(), "global");
  EXPECT_FALSE(f.at("cat").global);
}

// ---- the independent reference: gradients of the real graph ----

// Extent (rows, cols) of the non-zero input gradient of output pixel (y, x), all
// channels (the receptive field of a pixel is the union over its channels).
// `out` is the output of the forward pass just run.
std::pair<int64_t, int64_t> gradient_extent(Graph& g, const Tensor& input, const Dims& d, int64_t y, int64_t x) {
  std::vector<float> grad(product(d), 0.f);
  for (int64_t c = 0; c < d[1]; ++c) grad[(c * d[2] + y) * d[3] + x] = 1.f;  // batch 1
  g.backward(Tensor::from_plain(d, grad), true);
  const Dims in = input.dims();
  const auto gi = g.gradient("input").to_vector();
  int64_t r0 = in[2], r1 = -1, c0 = in[3], c1 = -1;
  for (int64_t r = 0; r < in[2]; ++r)
    for (int64_t c = 0; c < in[3]; ++c)
      if (gi[r * in[3] + c] != 0.f) {
        r0 = std::min(r0, r);
        r1 = std::max(r1, r);
        c0 = std::min(c0, c);
        c1 = std::max(c1, c);
      }
  return {r1 < 0 ? 0 : r1 - r0 + 1, c1 < 0 ? 0 : c1 - c0 + 1};
}

void expect_matches_gradients(const std::string& yaml) {
  const ResolvedModel m = load_model_string(yaml, "rf.yaml");
  Graph g = build_graph(m);
  for (auto& np : g.params()) std::fill(np.param->value.begin(), np.param->value.end(), np.param->name == "bias" ? 0.f : 1.f);
  const auto summary = summarize(m, g);
  const auto& in = m.spec["input"];
  const Tensor input = testing::random_tensor({1, 1, in["height"], in["width"]}, 3, 0.5f, 1.f);
  for (const auto& l : summary.layers) {
    g.set_output(l.name);
    const Dims d = g.forward(input, false).dims();
    // The largest extent over a 4x4 block of central output pixels: every phase of
    // these models (their periods are at most 4).
    int64_t h = 0, w = 0;
    for (int64_t y = l.output.h / 2 - 2; y < l.output.h / 2 + 2; ++y)
      for (int64_t x = l.output.w / 2 - 2; x < l.output.w / 2 + 2; ++x) {
        const auto [eh, ew] = gradient_extent(g, input, d, y, x);
        h = std::max(h, eh);
        w = std::max(w, ew);
      }
    EXPECT_EQ(l.rf.h.size, h) << "layer " << l.name << " (rows)";
    EXPECT_EQ(l.rf.w.size, w) << "layer " << l.name << " (cols)";
  }
}

TEST(ReceptiveField, MatchesGradientSupportThroughStrideDilationPooling) {
  expect_matches_gradients(R"(
input: {channels: 1, height: 96, width: 96}
layers:
  - {name: a, type: conv, out: 1, stride: 2}
  - {name: b, type: conv, out: 1, dilation: 2, kernel: [3, 5]}
  - {name: p, type: avgpool, kernel: 3, stride: 2, padding: 1}
  - {name: c, type: conv, out: 1}
)");
}

TEST(ReceptiveField, MatchesGradientSupportThroughTransposedConvolutions) {
  expect_matches_gradients(R"(
input: {channels: 1, height: 24, width: 24}
layers:
  - {name: a, type: conv, out: 1}
  - {name: up, type: deconv, out: 1, kernel: 4, stride: 2, padding: 1}
  - {name: b, type: conv, out: 1}
  - {name: up3, type: deconv, out: 1, kernel: 3, stride: 2, padding: 1, output_padding: 1}
  - {name: up2, type: deconv, out: 1, kernel: 2, stride: 2}
  - {name: c, type: conv, out: 1, stride: 2}
  - {name: hole, type: deconv, out: 1, kernel: 3, stride: 2, dilation: 2, padding: 2, output_padding: 1}
)");
  // U-Net-shaped: the 4x4/2 transposed conv's grid is offset by half a pixel from
  // the skip's, so the union over the two paths is wider than either path alone.
  expect_matches_gradients(R"(
input: {channels: 1, height: 128, width: 128}
layers:
  - {name: enc1, type: conv, out: 1, repeat: 2}
  - {name: pool1, type: avgpool, kernel: 2}
  - {name: enc2, type: conv, out: 1, repeat: 2}
  - {name: pool2, type: avgpool, kernel: 2}
  - {name: bottom, type: conv, out: 1, repeat: {dilation: [1, 2, 4]}}
  - {name: up2, type: deconv, out: 1, kernel: 4, stride: 2, padding: 1}
  - {name: cat2, type: concat, from: [up2, enc2]}
  - {name: dec2, type: conv, out: 1}
  - {name: up1, type: deconv, out: 1, kernel: 4, stride: 2, padding: 1}
  - {name: cat1, type: concat, from: [up1, enc1]}
  - {name: dec1, type: conv, out: 1}
)");
}

TEST(ReceptiveField, MatchesGradientSupportThroughResizeAndBranches) {
  expect_matches_gradients(R"(
input: {channels: 1, height: 64, width: 64}
layers:
  - {name: a, type: conv, out: 1}
  - {name: p, type: avgpool, kernel: 4}
  - {name: up, type: resize, scale: 4}
  - {name: p2, type: avgpool, kernel: 2, from: a}
  - {name: near, type: resize, mode: nearest, like: a}
  - {name: corners, type: resize, align_corners: true, from: [p2, a]}
  - {name: wide, type: conv, out: 1, dilation: 5, from: a}
  - {name: cat, type: concat, from: [up, wide, near, corners]}
  - {name: mix, type: conv, out: 1, kernel: 1}
)");
}

// Nothing may take hours or wrap: a 10^9-tap pool is summarised in O(1) (its
// union is bounded by the outer taps), strides whose product overflows int64
// are a usage error naming the layer.
TEST(ReceptiveField, HugeKernelsAndStridesNeitherHangNorWrap) {
  const auto f = fields(
      "input: {channels: 1, height: 1000000000, width: 1}\n"
      "layers:\n  - {name: p, type: maxpool, kernel: [1000000000, 1], stride: 1}\n"
      "  - {name: c, type: conv, out: 1, kernel: [3, 1], padding: [1, 0]}\n");
  EXPECT_EQ(f.at("p").h.size, 1000000000);
  EXPECT_EQ(f.at("c").h.size, 1000000002);
  const std::string m = testing::error_of([] {
    fields("input: {channels: 1, height: 64, width: 64}\n"
           "layers:\n  - {name: a, type: conv, out: 1, kernel: 1, stride: 4294967296}\n"
           "  - {name: b, type: conv, out: 1, kernel: 1, stride: 4294967296}\n");
  });
  EXPECT_NE(m.find("layer 'b' (conv): its receptive field or jump overflows 64-bit integers"), std::string::npos)
      << m;
}

}  // namespace
}  // namespace atrous
