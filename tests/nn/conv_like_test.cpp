// Convolution and transposed convolution are one conv-like layer: what each
// tells the shared kernel (family, window) and what the shared half does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nn/conv_like_layer.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using nlohmann::json;

std::unique_ptr<ConvLikeLayer> conv_like(const std::string& type, const json& attrs) {
  auto layer = create_layer(type, attrs);
  auto* p = dynamic_cast<ConvLikeLayer*>(layer.get());
  EXPECT_NE(p, nullptr) << type;
  if (p == nullptr) return nullptr;
  layer.release();
  return std::unique_ptr<ConvLikeLayer>(p);
}

TEST(ConvLike, ConvWindowIsSymmetricWithOneDnnDilations) {
  auto c = conv_like("conv", {{"out", 4}, {"kernel", {3, 5}}, {"stride", {2, 1}}, {"dilation", {2, 3}}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->family(), ConvFamily::convolution);
  const ConvWindow w = c->window();
  EXPECT_EQ(w.kh, 3);
  EXPECT_EQ(w.kw, 5);
  EXPECT_EQ(w.strides, (dnnl::memory::dims{2, 1}));
  EXPECT_EQ(w.dilates, (dnnl::memory::dims{1, 2}));  // oneDNN counts the gaps
  EXPECT_EQ(w.pad_l, (dnnl::memory::dims{2, 6}));    // "same": d(k - 1) / 2
  EXPECT_EQ(w.pad_r, w.pad_l);
}

TEST(ConvLike, DeconvOutputPaddingIsASmallerRightPadding) {
  auto d = conv_like("deconv", {{"out", 4}, {"kernel", 3}, {"stride", 2}, {"padding", {1, 0}},
                                {"output_padding", {1, 1}}});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->family(), ConvFamily::deconvolution);
  const ConvWindow w = d->window();
  EXPECT_EQ(w.pad_l, (dnnl::memory::dims{1, 0}));
  EXPECT_EQ(w.pad_r, (dnnl::memory::dims{0, -1}));  // oneDNN accepts down to 1 - stride
  EXPECT_EQ(w.dilates, (dnnl::memory::dims{0, 0}));
}

TEST(ConvLike, FusesOneReluOnly) {
  for (const char* type : {"conv", "deconv"}) {
    auto l = conv_like(type, {{"out", 4}, {"kernel", 3}});
    ASSERT_TRUE(l);
    EXPECT_FALSE(l->relu_fused());
    EXPECT_TRUE(l->fuse_relu(0.1f)) << type;
    EXPECT_FALSE(l->fuse_relu(0.f)) << type;
    EXPECT_TRUE(l->relu_fused());
    EXPECT_FLOAT_EQ(l->relu_slope(), 0.1f);
  }
}

TEST(ConvLike, ParamsAreWeightThenOptionalBias) {
  for (const char* type : {"conv", "deconv"})
    for (bool bias : {true, false}) {
      Graph g;
      g.add_input("x", {4, 6, 6});
      g.add("l", create_layer(type, json{{"out", 2}, {"kernel", 3}, {"bias", bias}}), {"x"});
      auto p = g.params();
      ASSERT_EQ(p.size(), bias ? 2u : 1u) << type;
      EXPECT_EQ(p[0].name, "l.weight");
      if (bias) {
        EXPECT_EQ(p[1].name, "l.bias");
      }
    }
}

// Both families run on the one kernel, which names the oneDNN implementation it got.
TEST(ConvLike, BothFamiliesReportTheirImplementation) {
  for (const char* type : {"conv", "deconv"}) {
    Graph g;
    g.add_input("x", {8, 6, 6});
    g.add("l", create_layer(type, json{{"out", 8}, {"kernel", 3}}), {"x"});
    g.init(1);
    g.forward(testing::random_tensor({1, 8, 6, 6}, 3), true);
    EXPECT_FALSE(g.implementations()[0].second.empty()) << type;
  }
}

}  // namespace
}  // namespace atrous
