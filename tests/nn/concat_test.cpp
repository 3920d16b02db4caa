#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/concat.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"

namespace atrous {
namespace {

using nlohmann::json;

struct ConcatCase {
  const char* label;
  int64_t n, h, w;
  std::vector<int64_t> channels;
  std::vector<tag> layouts;  // per input
};

void PrintTo(const ConcatCase& c, std::ostream* os) { *os << c.label; }

class ConcatCases : public ::testing::TestWithParam<ConcatCase> {};

const ConcatCase kCases[] = {
    // Channel offsets 3 and 8 are not multiples of the 16-channel block.
    {"c3_5_16_blocked", 2, 4, 5, {3, 5, 16}, {tag::nChw16c, tag::nChw16c, tag::nChw16c}},
    // oneDNN picks a blocked output here (its first input is unpadded), and the
    // slice at offset 19 is not block-aligned: gradients go through a plain copy.
    {"c16_3_16_blocked", 2, 3, 4, {16, 3, 16}, {tag::nChw16c, tag::nChw16c, tag::nChw16c}},
    // Offsets 16 and 32 are block-aligned; the last slice is padded.
    {"c16_16_3_blocked", 1, 3, 4, {16, 16, 3}, {tag::nChw16c, tag::nChw16c, tag::nChw16c}},
    {"c3_5_16_mixed", 2, 3, 3, {3, 5, 16}, {tag::nchw, tag::nChw16c, tag::nhwc}},
    {"c20_3_n1_plain", 1, 4, 3, {20, 3}, {tag::nchw, tag::nchw}},
    {"c16_20_n2_nhwc", 2, 3, 4, {16, 20}, {tag::nhwc, tag::nhwc}},
};

std::string input_name(size_t i) { return "x" + std::to_string(i); }

Graph concat_graph(const ConcatCase& tc) {
  Graph g;
  std::vector<std::string> names;
  for (size_t i = 0; i < tc.channels.size(); ++i) {
    g.add_input(input_name(i), {tc.channels[i], tc.h, tc.w});
    names.push_back(input_name(i));
  }
  g.add("cat", create_layer("concat", json::object()), names);
  return g;
}

std::map<std::string, Tensor> make_inputs(const ConcatCase& tc, uint64_t seed) {
  std::map<std::string, Tensor> in;
  for (size_t i = 0; i < tc.channels.size(); ++i)
    in[input_name(i)] =
        testing::in_layout(testing::random_tensor({tc.n, tc.channels[i], tc.h, tc.w}, seed + i), tc.layouts[i]);
  return in;
}

int64_t total_channels(const ConcatCase& tc) {
  int64_t t = 0;
  for (auto c : tc.channels) t += c;
  return t;
}

TEST_P(ConcatCases, ForwardAndBackwardMatchReference) {
  const auto& tc = GetParam();
  Graph g = concat_graph(tc);
  auto inputs = make_inputs(tc, 5);
  std::map<std::string, const Tensor*> feed;
  std::vector<std::vector<float>> xs;
  for (auto& [name, t] : inputs) {
    feed[name] = &t;
    xs.push_back(t.to_vector());  // map order is x0, x1, ... (fewer than 10 inputs)
  }
  const Tensor& y = g.forward(feed, true);
  // Copies only: exact.
  EXPECT_EQ(y.to_vector(), testing::concat_reference(xs, tc.channels, tc.n, tc.h, tc.w));

  const int64_t total = total_channels(tc);
  Tensor go = testing::random_tensor({tc.n, total, tc.h, tc.w}, 9);
  g.backward(go, true);
  const auto gov = go.to_vector();
  int64_t c0 = 0;
  for (size_t i = 0; i < tc.channels.size(); ++i) {
    const Tensor& gi = g.gradient(input_name(i));
    EXPECT_EQ(gi.desc(), inputs[input_name(i)].desc()) << "gradient must have its input's layout";
    EXPECT_EQ(gi.to_vector(), testing::channel_slice_reference(gov, tc.n, total, tc.h, tc.w, c0, tc.channels[i]))
        << "input " << i;
    c0 += tc.channels[i];
  }
}

TEST_P(ConcatCases, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = concat_graph(tc);
  auto res = testing::check_gradients(g, make_inputs(tc, 15));
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Concat, ConcatCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

// The slicer on its own, with a blocked whole whose slices are not all
// block-aligned (oneDNN's concat does not choose such an output itself).
TEST(Concat, SlicesBlockedGradientsAtUnalignedOffsets) {
  struct Split {
    std::vector<int64_t> channels;
    std::vector<tag> layouts;
    bool via_plain;
  };
  const Split splits[] = {
      {{3, 5, 16}, {tag::nChw16c, tag::nchw, tag::nhwc}, true},
      {{16, 3, 16}, {tag::nChw16c, tag::nChw16c, tag::nChw16c}, true},
      {{16, 16, 3}, {tag::nChw16c, tag::nchw, tag::nChw16c}, false},
  };
  const int64_t n = 2, h = 3, w = 2;
  for (const auto& sp : splits) {
    int64_t total = 0;
    std::vector<Dims> dims;
    for (auto c : sp.channels) {
      dims.push_back({n, c, h, w});
      total += c;
    }
    Tensor whole = testing::in_layout(testing::random_tensor({n, total, h, w}, 21), tag::nChw16c);
    ChannelSlicer slicer(dims, whole.desc());
    EXPECT_EQ(slicer.via_plain(), sp.via_plain) << dims_str(whole.dims());
    std::vector<Tensor> parts;
    for (size_t i = 0; i < dims.size(); ++i) parts.emplace_back(md_t(dims[i], dnnl::memory::data_type::f32, sp.layouts[i]));
    std::vector<Tensor*> ptrs;
    for (auto& p : parts) ptrs.push_back(&p);
    for (int rep = 0; rep < 2; ++rep) slicer(whole, ptrs);  // the second call reuses the cached reorders
    const auto wv = whole.to_vector();
    int64_t c0 = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      EXPECT_EQ(parts[i].to_vector(), testing::channel_slice_reference(wv, n, total, h, w, c0, sp.channels[i]))
          << "part " << i;
      c0 += sp.channels[i];
    }
  }
}

TEST(Concat, RejectsMismatchedSpatialSizesNamingTheShapes) {
  Graph g;
  g.add_input("a", {3, 8, 8});
  g.add_input("b", {5, 8, 7});
  try {
    g.add("cat", create_layer("concat", json::object()), {"a", "b"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("3x8x8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("5x8x7"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cat"), std::string::npos) << msg;
  }
  EXPECT_THROW(create_layer("concat", json{{"axis", 1}}), Error);
}

}  // namespace
}  // namespace atrous
