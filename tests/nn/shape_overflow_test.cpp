// Sizes from user input (model files, --input) must not wrap: an overflowing
// output size, element count or channel sum is a usage error naming what
// overflowed, and FLOPs are computed in double from sizes that fit.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/deconv2d.hpp"
#include "nn/graph.hpp"
#include "nn/pool2d.hpp"
#include "nn/registry.hpp"
#include "support/error_of.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::error_of;

constexpr int64_t kMax = INT64_MAX;

template <typename F>
Error::Kind kind_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error";
  return Error::Kind::runtime;
}

TEST(ShapeOverflow, OutputSizeFormulasAreChecked) {
  EXPECT_EQ(kind_of([] { ConvGeometry::out_size(kMax, 3, 1, 1, 1); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { ConvGeometry::out_size(64, 3, 1, 1, int64_t{1} << 62); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { DeconvGeometry::out_size(int64_t{1} << 40, 2, int64_t{1} << 40, 0, 0, 1); }),
            Error::Kind::usage);
  EXPECT_EQ(kind_of([] { PoolSpec::out_size(kMax, 2, 2, 1); }), Error::Kind::usage);
  EXPECT_NE(error_of([] { ConvGeometry::out_size(kMax, 3, 1, 1, 1); }).find("overflows 64-bit integers"),
            std::string::npos);
  // Values that fit are unchanged.
  EXPECT_EQ(ConvGeometry::out_size(kMax, 1, 1, 0, 1), kMax);
  EXPECT_EQ(PoolSpec::out_size(kMax - 1, 2, 2, 0), kMax / 2);
}

TEST(ShapeOverflow, ATensorLargerThanInt64IsRejectedWithTheLayer) {
  Graph g;
  EXPECT_NE(error_of([&] { g.add_input("x", {2, kMax, 1}); }).find("input 'x' of 2x9223372036854775807x1 has more"),
            std::string::npos);
  g.add_input("x", {1, kMax, 1});
  const std::string m = error_of([&] { g.add("c", create_layer("conv", json{{"out", 4}, {"kernel", 1}}), {"x"}); });
  EXPECT_NE(m.find("layer 'c' (conv): output 4x9223372036854775807x1 has more than 2^63 elements per sample"),
            std::string::npos)
      << m;
}

TEST(ShapeOverflow, FlopsOfAHugeInputDoNotWrap) {
  // Before: int64 products wrapped and `model show` printed -216 FLOPs.
  Graph g;
  g.add_input("x", {1, kMax, 1});
  g.add("c", create_layer("conv", json{{"out", 1}, {"kernel", 1}}), {"x"});
  EXPECT_DOUBLE_EQ(g.flops(kMax, 1), 2.0 * static_cast<double>(kMax));
}

TEST(ShapeOverflow, PoolPaddingCheckDoesNotWrap) {
  // 2 * 2^62 wrapped to a negative number, which passed "2p <= kernel".
  const std::string m =
      error_of([] { create_layer("maxpool", json{{"kernel", 3}, {"padding", int64_t{1} << 62}}); });
  EXPECT_NE(m.find("'padding'"), std::string::npos) << m;
}

TEST(ShapeOverflow, ConcatChannelSum) {
  Graph g;
  g.add_input("a", {kMax / 2 + 1, 1, 1});
  g.add_input("b", {kMax / 2 + 1, 1, 1});
  const std::string m = error_of([&] { g.add("cat", create_layer("concat", json::object()), {"a", "b"}); });
  EXPECT_NE(m.find("layer 'cat' (concat): the channel count"), std::string::npos) << m;
}

TEST(ShapeOverflow, ResizeScaleBeyondInt64) {
  Graph g;
  g.add_input("x", {1, 4, 4});
  const std::string m = error_of([&] { g.add("up", create_layer("resize", json{{"scale", 1e300}}), {"x"}); });
  EXPECT_NE(m.find("larger than 2^63"), std::string::npos) << m;
}

TEST(ShapeOverflow, DeconvInitWithHugeStrides) {
  // The strides' product wrapped to 0 and the fan-in division crashed (SIGFPE).
  Graph g;
  g.add_input("x", {2, 1, 1});
  g.add("up", create_layer("deconv", json{{"out", 2}, {"kernel", 1}, {"stride", int64_t{1} << 32}}), {"x"});
  g.init(1);
  EXPECT_EQ(g.shape("up"), (Shape{2, 1, 1}));
}

TEST(ShapeOverflow, ProductOfDims) {
  EXPECT_EQ(product({2, 3, 4}), 24);
  EXPECT_EQ(kind_of([] { product({int64_t{1} << 32, int64_t{1} << 32}); }), Error::Kind::usage);
}

}  // namespace
}  // namespace atrous
