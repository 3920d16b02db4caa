// Hostile model files: sizes, recursion depths and arithmetic that used to
// exhaust memory, overflow the stack or wrap around. Each is now a located
// usage error, raised before the work it bounds is done.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <limits>

#include "model/limits.hpp"
#include "model_test_util.hpp"
#include "support/memory_growth.hpp"

namespace atrous {
namespace {

using testing::error_of;
using testing::TempDir;

const std::string kHeader = "name: t\ninput: {channels: 3, height: 8, width: 8}\n";

std::string expand_error(const std::string& yaml, const ModelOptions& o = {}) {
  return error_of([&] { load_model_string(yaml, "m.yaml", o); });
}

#define EXPECT_LOCATED(message, where, text)                                                 \
  do {                                                                                        \
    const std::string m_ = (message);                                                         \
    EXPECT_EQ(m_.rfind(std::string(where) + ": ", 0), 0u) << "location: " << m_;              \
    EXPECT_NE(m_.find(text), std::string::npos) << "text '" << (text) << "' missing: " << m_; \
  } while (0)

TEST(ModelLimits, ARepeatCountIsCheckedBeforeExpanding) {
  std::string ten_million, a_billion;
  const int64_t growth = testing::peak_growth_of([&] {
    ten_million = expand_error(kHeader + "layers:\n  - {type: conv, out: 4, repeat: 10000000}\n");
    a_billion = expand_error(kHeader + "layers:\n  - {type: conv, out: 4, repeat: 1000000000}\n");
  });
  EXPECT_LOCATED(ten_million, "m.yaml:4:26",
                 "'repeat' makes 10000000 instances, so at least 10000000 layers; a model may have at most 10000 "
                 "layers");
  EXPECT_LOCATED(a_billion, "m.yaml:4:26", "a model may have at most 10000 layers");
  EXPECT_LT(growth, testing::kWorkMemoryBound) << "expanded before checking";
}

TEST(ModelLimits, NestedRepeatsMultiply) {
  // Nine nested blocks repeated 10 times each: 10^9 layers.
  std::string y = "blocks:\n  b0: {layers: [{type: relu, repeat: 10}]}\n";
  for (int i = 1; i < 9; ++i)
    y += "  b" + std::to_string(i) + ": {layers: [{block: b" + std::to_string(i - 1) + ", repeat: 10}]}\n";
  // Fails at the first repeat whose product passes the limit: b4's, inside 10^4 instances.
  std::string e;
  const int64_t growth =
      testing::peak_growth_of([&] { e = expand_error(y + kHeader + "layers:\n  - {block: b8, repeat: 10}\n"); });
  EXPECT_LOCATED(e, "m.yaml:7:29",
                 "'repeat' makes 10 instances (10 for each of the 10000 instances around it), so at least "
                 "100000 layers; a model may have at most 10000 layers (in block 'b5' used at m.yaml:8:17;");
  EXPECT_LT(growth, testing::kWorkMemoryBound) << "expanded before checking";
  // Repeat lists count like counts.
  EXPECT_LOCATED(expand_error("blocks:\n  b: {params: {p: 1}, layers: [{type: relu, repeat: 6000}]}\n" + kHeader +
                              "layers:\n  - {block: b, repeat: {p: [1, 2]}}\n"),
                 "m.yaml:2:45", "(6000 for each of the 2 instances around it)");
}

TEST(ModelLimits, ARepeatedBlockIsCheckedAfterItsFirstInstance) {
  // A block of 3 layers repeated 4000 times: the count alone is within the limit.
  std::string e;
  const int64_t growth = testing::peak_growth_of([&] {
    e = expand_error("blocks:\n  b: {layers: [{type: relu}, {type: relu}, {type: relu}]}\n" + kHeader +
                     "layers:\n  - {block: b, repeat: 4000}\n");
  });
  EXPECT_LOCATED(e, "m.yaml:6:16",
                 "'repeat' makes 4000 instances of 3 layer(s) each, so the model would have 12000 layers; a model may "
                 "have at most 10000 layers");
  EXPECT_LT(growth, testing::kWorkMemoryBound) << "expanded before checking";
  // Repeats add up with the layers before them.
  std::string three = kHeader + "layers:\n";
  for (int i = 0; i < 3; ++i) three += "  - {type: relu, repeat: 4000}\n";
  EXPECT_LOCATED(expand_error(three), "m.yaml:6:18", "the model would have 12000 layers");
  // And the total is capped, however the layers come.
  std::string many = kHeader + "layers:\n";
  for (int i = 0; i <= 10000; ++i) many += "  - {type: relu}\n";
  EXPECT_LOCATED(expand_error(many), "m.yaml:10004:5", "the model has more than 10000 layers; that is the limit");
}

TEST(ModelLimits, RepeatsWithinTheLimitExpand) {
  std::string y = "blocks:\n  b0: {layers: [{type: relu, repeat: 10}]}\n  b1: {layers: [{block: b0, repeat: 10}]}\n";
  const ResolvedModel m = load_model_string(y + kHeader + "layers:\n  - {block: b1, repeat: 3}\n", "m.yaml");
  EXPECT_EQ(m.spec["layers"].size(), 300u);
}

TEST(ModelLimits, BlocksNestToABoundedDepth) {
  std::string y = "blocks:\n  b0: {layers: [{type: relu}]}\n";
  for (int i = 1; i < 100; ++i)
    y += "  b" + std::to_string(i) + ": {layers: [{block: b" + std::to_string(i - 1) + "}]}\n";
  EXPECT_NE(expand_error(y + kHeader + "layers:\n  - {block: b99}\n").find("blocks nest more than 64 deep"),
            std::string::npos);
}

TEST(ModelLimits, ALongChainOfParametersIsAnErrorNotACrash) {
  std::string y = "params:\n  p0: 1\n";
  for (int i = 1; i < 20000; ++i) y += "  p" + std::to_string(i) + ": '${p" + std::to_string(i - 1) + "}'\n";
  const std::string e = expand_error(y + kHeader + "layers:\n  - {type: conv, out: '${p19999}'}\n");
  EXPECT_EQ(e.rfind("m.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("more than 200 parameters each defined from the next"), std::string::npos) << e;
  // A chain of 100 is fine.
  y = "params:\n  p0: 1\n";
  for (int i = 1; i < 100; ++i) y += "  p" + std::to_string(i) + ": '${p" + std::to_string(i - 1) + "+1}'\n";
  const ResolvedModel m = load_model_string(y + kHeader + "layers:\n  - {type: conv, out: '${p99}'}\n");
  EXPECT_EQ(m.spec["layers"][0]["out"], 100);
}

TEST(ModelLimits, ExpressionArithmeticIsChecked) {
  const std::string min = std::to_string(std::numeric_limits<int64_t>::min());
  const std::string max = std::to_string(std::numeric_limits<int64_t>::max());
  // INT64_MIN / -1 raised SIGFPE; w*w+1 with w = INT64_MAX was accepted as 2 channels.
  EXPECT_LOCATED(expand_error("params: {w: " + min + "}\n" + kHeader + "layers:\n  - type: conv\n    out: '${w/-1}'\n"),
                 "m.yaml:6:5", "expression 'w/-1': integer overflow (values must fit in 64-bit signed integers)");
  EXPECT_LOCATED(expand_error("params: {w: " + max + "}\n" + kHeader + "layers:\n  - type: conv\n    out: '${w*w+1}'\n"),
                 "m.yaml:6:5", "expression 'w*w+1': integer overflow");
}

TEST(ModelLimits, DeeplyNestedExpressionsAreAnError) {
  const std::string deep = std::string(30000, '(') + "w" + std::string(30000, ')');
  const std::string e =
      expand_error("params: {w: 1}\n" + kHeader + "layers:\n  - type: conv\n    out: '${" + deep + "}'\n");
  EXPECT_LOCATED(e, "m.yaml:6:5", "nested more than 100 levels deep");
  EXPECT_LT(e.size(), 300u) << "the message quotes a shortened expression";
}

TEST(ModelLimits, ExtendsChainsAreBounded) {
  TempDir dir("extends_chain");
  dir.write("m0.yaml", kHeader + "layers:\n  - {type: relu}\n");
  for (int i = 1; i < 80; ++i) dir.write("m" + std::to_string(i) + ".yaml", "extends: m" + std::to_string(i - 1) + ".yaml\n");
  EXPECT_NE(error_of([&] { load_model(dir / "m79.yaml"); }).find("more than 64 files extend each other"),
            std::string::npos);
  EXPECT_EQ(load_model(dir / "m30.yaml").spec["layers"].size(), 1u);
}

}  // namespace
}  // namespace atrous
