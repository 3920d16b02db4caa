// One test per validation error of the model language: each asserts the message
// and the file:line:column it is reported at. Layer lists are written in block
// style so that the expected columns are easy to check by eye.
#include <gtest/gtest.h>

#include "model_test_util.hpp"

namespace atrous {
namespace {

using testing::model_error;
using testing::TempDir;

// `yaml` gets this header (lines 1-3); the test's layers start on line 4.
std::string with_header(const std::string& layers) {
  return "name: t\ninput: {channels: 3, height: 16, width: 16}\nlayers:\n" + layers;
}

#define EXPECT_ERROR(message, where, text)                                                   \
  do {                                                                                        \
    const std::string m_ = (message);                                                         \
    EXPECT_EQ(m_.rfind(std::string(where) + ": ", 0), 0u) << "location: " << m_;              \
    EXPECT_NE(m_.find(text), std::string::npos) << "text '" << (text) << "' missing: " << m_; \
  } while (0)

TEST(ModelValidation, UnknownLayerType) {
  EXPECT_ERROR(model_error(with_header("  - type: convv\n    out: 4\n")), "m.yaml:4:5",
               "unknown layer type 'convv' (known: add, avgpool,");
}

TEST(ModelValidation, UnknownBlock) {
  EXPECT_ERROR(model_error(with_header("  - block: nosuchblock\n")), "m.yaml:4:5", "unknown block 'nosuchblock'");
  // A layer type written as a block gets a hint.
  EXPECT_ERROR(model_error(with_header("  - block: conv\n")), "m.yaml:4:5", "'conv' is a layer type: write type: conv");
}

TEST(ModelValidation, UnknownLayerKey) {
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: 4\n    dilaton: 2\n")), "m.yaml:6:5",
               "layer 'conv0' (conv): unknown key 'dilaton'");
}

TEST(ModelValidation, UnknownTopLevelKey) {
  EXPECT_ERROR(model_error("name: t\nlayer: []\n"), "m.yaml:2:1", "unknown key 'layer' in a model");
}

TEST(ModelValidation, UnknownBlockParameter) {
  EXPECT_ERROR(model_error("blocks:\n  u: {params: {out: ~}, layers: [{type: relu}]}\n" +
                           with_header("  - block: u\n    out: 4\n    outt: 5\n")),
               "m.yaml:8:5", "block 'u' has no parameter 'outt' (parameters: out)");
}

TEST(ModelValidation, UnknownKeyInABlockDefinition) {
  EXPECT_ERROR(model_error("blocks:\n  u:\n    params: {out: ~}\n    layer: []\n" + with_header("  - type: relu\n")),
               "m.yaml:4:5", "block 'u': unknown key 'layer' in a block");
}

TEST(ModelValidation, MissingLayerKey) {
  EXPECT_ERROR(model_error(with_header("  - type: relu\n  - type: conv\n    kernel: 3\n")), "m.yaml:5:5",
               "layer 'conv1' (conv): missing key 'out'");
}

TEST(ModelValidation, MissingBlockParameter) {
  EXPECT_ERROR(model_error("blocks:\n  u: {params: {out: ~}, layers: [{type: conv, out: \"${out}\"}]}\n" +
                           with_header("  - block: u\n")),
               "m.yaml:6:5", "block 'u' needs parameter 'out'");
}

TEST(ModelValidation, MissingTypeOrBlock) {
  EXPECT_ERROR(model_error(with_header("  - name: x\n    out: 4\n")), "m.yaml:4:5",
               "missing key 'type' (a layer type) or 'block'");
}

TEST(ModelValidation, MissingInput) {
  EXPECT_ERROR(model_error("name: t\nlayers:\n  - type: relu\n"), "m.yaml:1:1", "missing key 'input'");
}

TEST(ModelValidation, WrongValueType) {
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: four\n")), "m.yaml:5:5",
               "key 'out' expects an integer, got \"four\"");
  EXPECT_ERROR(model_error("dense: yes\n" + with_header("  - type: relu\n")), "m.yaml:1:1",
               "'dense' expects true or false, got \"yes\"");
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: 4\n    from: 3\n")), "m.yaml:6:5",
               "'from' expects a layer name or a list of names, got 3");
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: 4\n    repeat: many\n")), "m.yaml:6:5",
               "'repeat' expects a count or a mapping");
}

TEST(ModelValidation, DanglingName) {
  EXPECT_ERROR(model_error(with_header("  - name: a\n    type: relu\n  - type: relu\n    from: [a, b]\n")),
               "m.yaml:7:15", "no layer named 'b' here (names in this scope: a, input, relu1)");
}

TEST(ModelValidation, DuplicateName) {
  EXPECT_ERROR(model_error(with_header("  - name: a\n    type: relu\n  - name: a\n    type: relu\n")), "m.yaml:6:5",
               "duplicate layer name 'a' (first defined at m.yaml:4:5)");
}

TEST(ModelValidation, Cycle) {
  EXPECT_ERROR(model_error("output: c\n" + with_header("  - name: a\n    type: relu\n    from: c\n"
                                                       "  - name: b\n    type: relu\n"
                                                       "  - name: c\n    type: relu\n")),
               "m.yaml:7:5", "layers form a cycle: a -> b -> c -> a");
}

TEST(ModelValidation, ChannelMismatchAtAdd) {
  EXPECT_ERROR(model_error(with_header("  - name: a\n    type: conv\n    out: 4\n"
                                       "  - name: b\n    type: conv\n    out: 5\n    from: input\n"
                                       "  - type: add\n    from: [a, b]\n")),
               "m.yaml:12:5", "layer 'add2' (add): channel mismatch: input 'a' is 4x16x16 but 'b' is 5x16x16");
}

TEST(ModelValidation, SpatialMismatchAtConcat) {
  EXPECT_ERROR(model_error(with_header("  - name: a\n    type: conv\n    out: 4\n    stride: 2\n"
                                       "  - type: concat\n    from: [a, input]\n")),
               "m.yaml:9:5", "spatial mismatch: input 'a' is 4x8x8 but 'input' is 3x16x16");
}

TEST(ModelValidation, NonPositiveSizes) {
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: 0\n")), "m.yaml:5:5", "'out' must be positive, got 0");
  EXPECT_ERROR(model_error(with_header("  - type: maxpool\n    kernel: [2, 0]\n")), "m.yaml:5:5",
               "'kernel' must be positive, got [2,0]");
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: 2\n    padding: -1\n")), "m.yaml:6:5",
               "'padding' must be non-negative");
  EXPECT_ERROR(model_error("params: {w: 4}\n" + with_header("  - type: conv\n    out: \"${w - 4}\"\n")),
               "m.yaml:6:5", "'out' must be positive, got 0");
  EXPECT_ERROR(model_error("name: t\ninput: {channels: 3, height: 0, width: 16}\nlayers: [{type: relu}]\n"),
               "m.yaml:2:22", "'input.height' must be positive, got 0");
  // A spatial size that reaches zero: the layer's own check, at the key it names.
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: 2\n    kernel: 5\n    padding: 0\n"
                                       "  - type: conv\n    out: 2\n    kernel: 13\n    padding: 0\n")),
               "m.yaml:10:5", "layer 'conv1' (conv): input 2x12x12 is too small for kernel 13x13");
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    out: 2\n    repeat: 0\n")), "m.yaml:6:5",
               "'repeat' must be at least 1");
}

// Every layer type's own checks, at the file:line:column of the key they reject
// (the layers say which key: nn/attr_error.hpp). Errors only a layer can see
// (shapes against attributes, inputs) included.
TEST(ModelValidation, LayerErrorsAreAtTheirKey) {
  const struct {
    std::string layers, where, text;
  } cases[] = {
      {"  - type: conv\n    out: 4\n    groups: 2\n", "m.yaml:6:5",
       "layer 'conv0' (conv): input channels (3) must be divisible by 'groups' (2)"},
      {"  - type: conv\n    out: 6\n    groups: 4\n", "m.yaml:6:5", "'out' (6) must be divisible by 'groups' (4)"},
      {"  - type: conv\n    out: 2\n    dilation: [1, 0]\n", "m.yaml:6:5", "'dilation' must be positive, got [1,0]"},
      {"  - type: conv\n    out: 2\n    from: [input, input]\n", "m.yaml:6:5",
       "layer 'conv0' (conv): tensor 'input' is used twice as an input"},
      {"  - name: a\n    type: relu\n  - type: conv\n    out: 2\n    from: [a, input]\n", "m.yaml:8:5",
       "layer 'conv1' (conv): takes one input, got 2"},
      {"  - type: deconv\n    out: 4\n    kernel: 3\n    stride: 2\n    output_padding: 2\n", "m.yaml:8:5",
       "'output_padding' must be non-negative and smaller than stride or dilation, got 2"},
      {"  - type: deconv\n    out: 2\n    kernel: 1\n    padding: 8\n", "m.yaml:7:5",
       "layer 'deconv0' (deconv): input 3x16x16 is too small for padding 8x8"},
      {"  - type: avgpool\n    kernel: 3\n    stride: 0\n", "m.yaml:6:5", "'stride' must be positive, got 0"},
      {"  - type: maxpool\n    kernel: 17\n", "m.yaml:5:5",
       "layer 'maxpool0' (maxpool): input 1x3x16x16 is smaller than the kernel 17x17"},
      {"  - type: maxpool\n    kernel: 2\n    padding: 2\n", "m.yaml:6:5",
       "'padding' must be non-negative and at most half the kernel (2x2), got 2"},
      {"  - type: batchnorm\n    momentum: 1.5\n", "m.yaml:5:5",
       "layer 'batchnorm0' (batchnorm): 'momentum' must be in [0, 1], got 1.5"},
      {"  - type: dropout\n    p: 1.0\n", "m.yaml:5:5", "layer 'dropout0' (dropout): 'p' must be in [0, 1), got 1.0"},
      {"  - type: leaky_relu\n    negative_slope: 1.0e+300\n", "m.yaml:5:5", "'negative_slope' must be finite"},
      {"  - type: resize\n    size: [0, 4]\n", "m.yaml:5:5", "'size' must be positive, got [0,4]"},
      {"  - type: resize\n    scale: 0.01\n", "m.yaml:5:5", "'scale' 0.01 makes input 1x3x16x16 empty"},
      {"  - type: resize\n    mode: nearest\n    align_corners: true\n", "m.yaml:6:5",
       "'align_corners' applies to mode bilinear only"},
      {"  - type: relu\n    negative_slope: 0.1\n", "m.yaml:5:5", "layer 'relu0' (relu): unknown key 'negative_slope'"},
      {"  - type: identity\n    p: 0.5\n", "m.yaml:5:5", "unknown key 'p'"},
      {"  - type: global_avgpool\n    kernel: 2\n", "m.yaml:5:5", "unknown key 'kernel'"},
      {"  - type: relu\n  - type: add\n    scale: 2\n    from: [input, relu0]\n", "m.yaml:6:5", "unknown key 'scale'"},
      {"  - name: a\n    type: conv\n    out: 3\n    stride: 2\n  - type: add\n    from: [input, a]\n",
       "m.yaml:9:5",
       "layer 'add1' (add): spatial mismatch: input 'input' is 3x16x16 but 'a' is 3x8x8 (height and width must agree)"},
      {"  - type: concat\n    axis: 1\n", "m.yaml:5:5", "layer 'concat0' (concat): unknown key 'axis'"},
      {"  - type: relu\n  - type: concat\n    from: [relu0]\n", "m.yaml:6:5",
       "layer 'concat1' (concat): needs at least 2 inputs in 'from', got 1"},
  };
  for (const auto& c : cases) EXPECT_ERROR(model_error(with_header(c.layers)), c.where, c.text);
}

TEST(ModelValidation, DenseOutputMustKeepTheResolution) {
  EXPECT_ERROR(model_error("dense: true\n" + with_header("  - type: maxpool\n    kernel: 2\n")), "m.yaml:1:1",
               "declared dense but its output 'maxpool0' is 3x8x8 for a 3x16x16 input");
}

TEST(ModelValidation, ClassesMustMatchTheOutput) {
  EXPECT_ERROR(model_error("classes: 5\n" + with_header("  - type: conv\n    out: 4\n")), "m.yaml:1:1",
               "declares 5 classes but its output 'conv0' has 4 channels");
}

TEST(ModelValidation, ExpressionErrorsAreLocated) {
  EXPECT_ERROR(model_error("params: {width: 4}\n" + with_header("  - type: conv\n    out: \"${widht * 2}\"\n")),
               "m.yaml:6:5", "unknown parameter 'widht' (parameters: width)");
  EXPECT_ERROR(model_error("params: {a: \"${b}\", b: \"${a}\"}\n" + with_header("  - type: relu\n")), "m.yaml:1:10",
               "parameter 'a' depends on itself");
}

TEST(ModelValidation, RepeatListsMustAgree) {
  EXPECT_ERROR(model_error(with_header("  - type: conv\n    repeat: {out: [2, 3], dilation: [1, 2, 4]}\n")),
               "m.yaml:5:14", "repeat 'out' has 2 values but 'dilation' has 3");
}

TEST(ModelValidation, BlockInputsMustMatch) {
  EXPECT_ERROR(model_error("blocks:\n  two: {inputs: [a, b], layers: [{type: concat, from: [a, b]}]}\n" +
                           with_header("  - block: two\n    from: input\n")),
               "m.yaml:7:5", "block 'two' takes 2 input(s) (a, b), got 1");
}

TEST(ModelValidation, ErrorsInBlockFilesNameTheUse) {
  TempDir dir("blockerr");
  dir.write("blocks/bad.yaml", "params: {out: ~}\nlayers:\n  - type: conv\n    out: \"${out}\"\n    kernal: 3\n");
  const std::string model = dir.write("models/m.yaml", with_header("  - block: bad\n    out: 4\n"));
  const std::string e = testing::error_of([&] { check_model(load_model(model)); });
  EXPECT_EQ(e.rfind(dir.path() + "/blocks/bad.yaml:5:5: ", 0), 0u) << e;
  EXPECT_NE(e.find("unknown key 'kernal' (in block 'bad' used at " + model + ":4:5)"), std::string::npos) << e;
}

TEST(ModelValidation, ExtendsErrors) {
  TempDir dir("exterr");
  dir.write("a.yaml", "extends: b.yaml\n");
  const std::string b = dir.write("b.yaml", "extends: a.yaml\n");
  EXPECT_NE(testing::error_of([&] { load_model(dir.path() + "/a.yaml"); }).find("b.yaml:1:1: extends 'a.yaml' forms a cycle"),
            std::string::npos);
  const std::string c = dir.write("c.yaml", "name: c\nextends: none.yaml\n");
  EXPECT_NE(testing::error_of([&] { load_model(c); }).find(c + ":2:1: extends 'none.yaml': no such file"),
            std::string::npos);
  const std::string base = dir.write("base.yaml", with_header("  - name: a\n    type: relu\n"));
  const std::string d = dir.write("d.yaml", "extends: base.yaml\noverride:\n  z: {type: conv}\n");
  EXPECT_NE(testing::error_of([&] { load_model(d); }).find(d + ":3:3: override: the base model has no layer named 'z'"),
            std::string::npos);
}

}  // namespace
}  // namespace atrous
