// Every configuration error a layer raises is an AttrError carrying the key at
// fault (the model loader locates it there: tests/model/validation_test.cpp) and,
// used directly, a message naming the layer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nn/attr_error.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"

namespace atrous {
namespace {

using nlohmann::json;

struct Rejected {
  std::string key, what;
};

template <typename F>
Rejected rejected(F&& f) {
  try {
    f();
  } catch (const AttrError& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    EXPECT_EQ(e.exit_code(), 2);
    // what() is the layer, then the bare message.
    EXPECT_EQ(std::string(e.what()), e.layer().empty() ? e.message() : e.layer() + ": " + e.message());
    return {e.key(), e.what()};
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an AttrError: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no error";
  return {};
}

struct AttrCase {
  std::string type;
  json attrs;
  std::string key, text;
};

void PrintTo(const AttrCase& c, std::ostream* os) { *os << c.type << " " << c.attrs.dump(); }

class LayerAttrErrors : public ::testing::TestWithParam<AttrCase> {};

// One bad value per layer type (a key the type does not have, for those without attributes).
const AttrCase kAttrCases[] = {
    {"conv", {{"out", 0}}, "out", "'out' must be positive, got 0"},
    {"conv", {{"out", 4}, {"kernel", 3}, {"padding", -1}}, "padding", "'padding' must be non-negative, got -1"},
    {"conv", {{"out", 6}, {"groups", 4}}, "groups", "'out' (6) must be divisible by 'groups' (4)"},
    {"conv", {{"out", 4}, {"dilation", {1, 0}}}, "dilation", "'dilation' must be positive, got [1,0]"},
    {"deconv", {{"out", 4}, {"kernel", 3}, {"stride", 2}, {"output_padding", 2}}, "output_padding",
     "'output_padding' must be non-negative and smaller than stride or dilation, got 2"},
    {"deconv", {{"out", 4}, {"kernel", 0}}, "kernel", "'kernel' must be positive, got 0"},
    {"maxpool", {{"kernel", {2, 0}}}, "kernel", "'kernel' must be positive, got [2,0]"},
    {"avgpool", {{"kernel", 3}, {"stride", 0}}, "stride", "'stride' must be positive, got 0"},
    {"maxpool", {{"kernel", 2}, {"padding", 2}}, "padding",
     "'padding' must be non-negative and at most half the kernel (2x2), got 2"},
    {"batchnorm", {{"momentum", 1.5}}, "momentum", "'momentum' must be in [0, 1], got 1.5"},
    {"batchnorm", {{"eps", 0}}, "eps", "'eps' must be positive, got 0"},
    {"dropout", {{"p", 1.0}}, "p", "'p' must be in [0, 1), got 1.0"},
    {"leaky_relu", {{"negative_slope", 1e300}}, "negative_slope", "'negative_slope' must be finite"},
    {"resize", {{"size", {0, 4}}}, "size", "'size' must be positive, got [0,4]"},
    {"resize", {{"scale", -1.0}}, "scale", "'scale' must be positive, got -1.0"},
    {"resize", {{"mode", "nearest"}, {"align_corners", true}}, "align_corners",
     "'align_corners' applies to mode bilinear only"},
    {"relu", {{"negative_slope", 0.1}}, "negative_slope", "unknown key 'negative_slope'"},
    {"identity", {{"p", 0.5}}, "p", "unknown key 'p'"},
    {"global_avgpool", {{"kernel", 2}}, "kernel", "unknown key 'kernel'"},
    {"add", {{"scale", 2}}, "scale", "unknown key 'scale'"},
    {"concat", {{"axis", 1}}, "axis", "unknown key 'axis'"},
    {"conv1d", {{"out", 4}, {"kernel", 0}}, "kernel", "'kernel' must be positive, got 0"},
    {"conv1d", {{"out", 4}, {"kernel", 2}, {"dilation", 0}}, "dilation", "'dilation' must be positive, got 0"},
    {"conv1d", {{"out", 4}, {"kernel", 2}, {"causal", "yes"}}, "causal", "key 'causal' expects true or false"},
    {"conv1d", {{"out", 4}}, "kernel", "missing key 'kernel'"},
    {"conv1d", {{"out", 4}, {"kernel", 3}, {"dilation", INT64_MAX / 2 + 1}}, "dilation",
     "'dilation' 4611686018427387904 times 'kernel' 3 overflows 64-bit integers"},
    {"conv1d", {{"out", 4}, {"kernel", 2}, {"padding", 1}}, "padding", "unknown key 'padding'"},
    {"gate", {{"channels", 2}}, "channels", "unknown key 'channels'"},
    // Attrs' own errors carry their key too.
    {"conv", {{"out", "four"}}, "out", "key 'out' expects an integer, got \"four\""},
    {"conv", {{"kernel", 3}}, "out", "missing key 'out'"},
    {"convv", {{"out", 4}}, "type", "unknown layer type 'convv' (known: add, avgpool,"},
};

TEST_P(LayerAttrErrors, CarryTheKeyAndNameTheLayer) {
  const AttrCase& c = GetParam();
  const std::string who = "layer 'x' (" + c.type + ")";
  const Rejected r = rejected([&] { create_layer(c.type, c.attrs, who); });
  EXPECT_EQ(r.key, c.key);
  EXPECT_EQ(r.what.rfind(who + ": " + c.text, 0), 0u) << r.what;
  // Without a name, the type still says which layer.
  const Rejected anonymous = rejected([&] { create_layer(c.type, c.attrs); });
  EXPECT_EQ(anonymous.key, c.key);
  if (c.key != "type") {  // an unknown type has no layer to name
    EXPECT_EQ(anonymous.what.rfind("layer (" + c.type + "): " + c.text, 0), 0u) << anonymous.what;
  }
}

INSTANTIATE_TEST_SUITE_P(All, LayerAttrErrors, ::testing::ValuesIn(kAttrCases));

// Problems only bind() can see, at the key they come from; the graph names the layer.
struct BindCase {
  std::string type;
  json attrs;
  std::vector<std::string> from;
  std::string key, text;
};

void PrintTo(const BindCase& c, std::ostream* os) { *os << c.type << " " << c.attrs.dump(); }

class LayerBindErrors : public ::testing::TestWithParam<BindCase> {};

const BindCase kBindCases[] = {
    {"conv", {{"out", 4}, {"groups", 2}}, {"a"}, "groups", "input channels (3) must be divisible by 'groups' (2)"},
    {"conv", {{"out", 4}, {"kernel", 13}, {"padding", 0}}, {"a"}, "kernel",
     "input 3x12x12 is too small for kernel 13x13 dilation 1x1"},
    {"conv", {{"out", 4}}, {"a", "b"}, "from", "takes one input, got 2"},
    {"conv", {{"out", 4}}, {"zz"}, "from", "unknown tensor 'zz'"},
    {"conv", {{"out", 4}}, {"a", "a"}, "from", "tensor 'a' is used twice as an input"},
    {"deconv", {{"out", 2}, {"kernel", 1}, {"padding", 6}}, {"a"}, "padding",
     "input 3x12x12 is too small for padding 6x6"},
    {"deconv", {{"out", 2}, {"kernel", 2}, {"groups", 2}}, {"a"}, "groups",
     "input channels (3) must be divisible by 'groups' (2)"},
    {"maxpool", {{"kernel", 13}}, {"a"}, "kernel", "input 1x3x12x12 is smaller than the kernel 13x13"},
    {"avgpool", {{"kernel", 2}}, {"a", "b"}, "from", "takes one input, got 2"},
    {"batchnorm", json::object(), {"a", "b"}, "from", "takes one input, got 2"},
    {"dropout", json::object(), {"a", "b"}, "from", "takes one input, got 2"},
    {"relu", json::object(), {"a", "b"}, "from", "takes one input, got 2"},
    {"leaky_relu", json::object(), {"a", "b"}, "from", "takes one input, got 2"},
    {"identity", json::object(), {"a", "b"}, "from", "takes one input, got 2"},
    {"global_avgpool", json::object(), {"a", "b"}, "from", "takes one input, got 2"},
    {"resize", {{"scale", 0.01}}, {"a"}, "scale", "'scale' 0.01 makes input 1x3x12x12 empty"},
    {"resize", json::object(), {"a"}, "from",
     "needs 'size', 'scale' or a second input whose height and width it takes; got 1 input(s)"},
    {"add", json::object(), {"a", "b"}, "from",
     "channel mismatch: input 'a' is 3x12x12 but 'b' is 4x12x12 (add needs equal channels)"},
    {"add", json::object(), {"a", "c"}, "from",
     "spatial mismatch: input 'a' is 3x12x12 but 'c' is 3x6x12 (height and width must agree)"},
    {"add", json::object(), {"a"}, "from", "needs at least 2 inputs in 'from', got 1"},
    {"conv1d", {{"out", 4}, {"kernel", 2}}, {"a"}, "from",
     "conv1d reads a sequence (height 1, width = time), got input 3x12x12 of height 12; declare the model's input "
     "as {channels: C, length: T}"},
    {"conv1d", {{"out", 4}, {"kernel", 3}, {"dilation", INT64_MAX / 2 - 1}}, {"s"}, "dilation",
     "the input's 12 samples padded by (kernel - 1) * dilation = 9223372036854775804 overflow 64-bit integers"},
    {"conv1d", {{"out", 4}, {"kernel", 2}, {"groups", 2}}, {"s"}, "groups",
     "input channels (3) must be divisible by 'groups' (2)"},
    {"gate", json::object(), {"a"}, "from",
     "gate splits its input's channels into two halves (tanh, sigmoid), so they must be even, got input 3x12x12"},
    {"gate", json::object(), {"a", "b"}, "from", "takes one input, got 2"},
    {"concat", json::object(), {"b", "c"}, "from",
     "spatial mismatch: input 'b' is 4x12x12 but 'c' is 3x6x12 (height and width must agree)"},
};

TEST_P(LayerBindErrors, CarryTheKeyAndNameTheLayer) {
  const BindCase& c = GetParam();
  Graph g;
  g.add_input("a", {3, 12, 12});
  g.add_input("b", {4, 12, 12});
  g.add_input("c", {3, 6, 12});
  g.add_input("s", {3, 1, 12});  // a sequence
  const Rejected r = rejected([&] { g.add("x", create_layer(c.type, c.attrs), c.from); });
  EXPECT_EQ(r.key, c.key);
  EXPECT_EQ(r.what, "layer 'x' (" + c.type + "): " + c.text);
}

INSTANTIATE_TEST_SUITE_P(All, LayerBindErrors, ::testing::ValuesIn(kBindCases));

TEST(AttrError, BoundWithoutAGraphTheInputsAreNumbered) {
  auto add = create_layer("add", json::object());
  const Rejected r = rejected([&] { add->bind({{3, 4, 4}, {5, 4, 4}}); });
  EXPECT_EQ(r.key, "from");
  EXPECT_EQ(r.what, "channel mismatch: input #0 is 3x4x4 but #1 is 5x4x4 (add needs equal channels)");
}

TEST(AttrError, InLayerKeepsKeyAndMessage) {
  const AttrError e("kernel", "'kernel' must be positive");
  EXPECT_EQ(std::string(e.what()), "'kernel' must be positive");
  const AttrError named = e.in_layer("layer 'c' (conv)");
  EXPECT_EQ(named.key(), "kernel");
  EXPECT_EQ(named.message(), "'kernel' must be positive");
  EXPECT_EQ(std::string(named.what()), "layer 'c' (conv): 'kernel' must be positive");
}

TEST(Attrs, RejectAndRequireAreKeyed) {
  const Attrs a(json{{"k", {2, 0}}}, "layer 'p' (maxpool)");
  const Rejected r = rejected([&] { a.require(false, "k", "must be positive"); });
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.what, "layer 'p' (maxpool): 'k' must be positive, got [2,0]");
  a.require(true, "k", "must be positive");  // no error
  const Rejected absent = rejected([&] { a.require(false, "z", "must be positive"); });
  EXPECT_EQ(absent.what, "layer 'p' (maxpool): 'z' must be positive");
  const Rejected free_text = rejected([&] { a.reject("k", "anything"); });
  EXPECT_EQ(free_text.key, "k");
  EXPECT_EQ(free_text.what, "layer 'p' (maxpool): anything");
}

}  // namespace
}  // namespace atrous
