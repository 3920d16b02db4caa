// Hostile YAML for ConfigDoc: aliases that expand without bound, an alias inside
// its own anchor, deep nesting, text that is not UTF-8. Each must be a located
// usage error, quickly and in little memory.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "core/config.hpp"
#include "data/config_reader.hpp"
#include "support/error_of.hpp"
#include "support/memory_growth.hpp"

namespace atrous {
namespace {

using testing::error_of;

// 9 anchors of 9 aliases each: 9^9 (387 million) values once expanded.
std::string billion_laughs(const std::string& key) {
  std::string y = key + ":\n  a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  for (int i = 1; i < 10; ++i) {
    y += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) y += (k ? ", *a" : "*a") + std::to_string(i - 1);
    y += "]\n";
  }
  return y;
}

TEST(ConfigLimits, AliasesOfAliasesAreBounded) {
  std::string e;
  const int64_t growth = testing::peak_growth_of(
      [&] { e = error_of([] { ConfigDoc::load_string(billion_laughs("params"), "laughs.yaml"); }); });
  EXPECT_EQ(e.rfind("laughs.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("expands to more than 200000 values"), std::string::npos) << e;
  EXPECT_LT(growth, testing::kWorkMemoryBound) << "the expansion was not stopped early";
}

TEST(ConfigLimits, LongTextRepeatedByAliasesIsBounded) {
  // Few values, but each alias repeats 1 MB of text.
  std::string y = "a: &a '" + std::string(1 << 20, 'x') + "'\nb: [";
  for (int i = 0; i < 100; ++i) y += i ? ", *a" : "*a";
  y += "]\n";
  const std::string e = error_of([&] { ConfigDoc::load_string(y, "long.yaml"); });
  EXPECT_EQ(e.rfind("long.yaml:1:4: ", 0), 0u) << e;  // an alias is located at its anchor
  EXPECT_NE(e.find("more than 32 MiB of text"), std::string::npos) << e;
}

TEST(ConfigLimits, AnAliasInsideItsOwnAnchorIsACycle) {
  const std::string e = error_of([] { ConfigDoc::load_string("params: &p {a: *p}\n", "self.yaml"); });
  EXPECT_EQ(e, "self.yaml:1:13: an alias refers to a value that contains it (a cycle); an alias must not point into "
               "its own anchor's value");
  EXPECT_NE(error_of([] { ConfigDoc::load_string("x: &l [1, [2, *l]]\n", "list.yaml"); }).find("list.yaml:1:"),
            std::string::npos);
}

TEST(ConfigLimits, AliasesWithinTheLimitsStillWork) {
  const auto d = ConfigDoc::load_string("base: &b {lr: 0.1, epochs: 3}\nrun: *b\nlist: [*b, *b]\n", "ok.yaml");
  EXPECT_EQ(d.root()["run"]["epochs"], 3);
  EXPECT_EQ(d.root()["list"][1]["lr"], 0.1);
}

TEST(ConfigLimits, DeepNestingIsRefused) {
  const std::string deep = "a: " + std::string(300, '[') + std::string(300, ']') + "\n";
  const std::string e = error_of([&] { ConfigDoc::load_string(deep, "deep.yaml"); });
  EXPECT_EQ(e.rfind("deep.yaml:1:", 0), 0u) << e;
  EXPECT_NE(e.find("nest more than 200 levels deep"), std::string::npos) << e;
  // Deeper than yaml-cpp's own parser allows: its error, located.
  const std::string deeper = "a: " + std::string(30000, '[') + std::string(30000, ']') + "\n";
  EXPECT_EQ(error_of([&] { ConfigDoc::load_string(deeper, "deeper.yaml"); }).rfind("deeper.yaml:1:", 0), 0u);
  // Depth made by aliases counts too.
  std::string y = "l0: &l0 [[[[[[[[[[1]]]]]]]]]]\n";
  for (int i = 1; i < 25; ++i)
    y += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [[[[[[[[[*l" + std::to_string(i - 1) + "]]]]]]]]]\n";
  EXPECT_NE(error_of([&] { ConfigDoc::load_string(y, "alias_deep.yaml"); }).find("nest more than 200 levels deep"),
            std::string::npos);
}

TEST(ConfigLimits, TextMustBeUtf8) {
  EXPECT_EQ(error_of([] { ConfigDoc::load_string("name: x\nlabel: ab\xff\xfe\n", "bytes.yaml"); }),
            "bytes.yaml:2:10: byte 0xFF is not UTF-8; config files must be UTF-8 text");
  // An escape of a lone surrogate cannot be UTF-8 (yaml-cpp refuses it; the converter would too).
  const std::string e = error_of([] { ConfigDoc::load_string("name: \"\\ud800\"\n", "escape.yaml"); });
  EXPECT_EQ(e.rfind("escape.yaml:1:", 0), 0u) << e;
  // Valid UTF-8 passes, and dumps.
  const auto d = ConfigDoc::load_string("name: \"caf\xc3\xa9 \\u00e9\"\n", "ok.yaml");
  EXPECT_EQ(d.root().dump(), "{\"name\":\"caf\xc3\xa9 \xc3\xa9\"}");
}

TEST(ConfigLimits, KeysMustBePlainValues) {
  const std::string e = error_of([] { ConfigDoc::load_string("? [a, b]\n: 1\n", "key.yaml"); });
  EXPECT_NE(e.find("a mapping key must be a plain value"), std::string::npos) << e;
}

TEST(ConfigLimits, OverridesMustBeUtf8) {
  auto d = ConfigDoc::load_string("a: 1\n", "o.yaml");
  EXPECT_EQ(error_of([&] { d.apply_override("a=\xff"); }),
            "override 'a=\\xFF': not UTF-8 text; overrides must be UTF-8");
  EXPECT_NE(error_of([&] { d.apply_override("a=" + billion_laughs("x").substr(3)); }).find("<override>"),
            std::string::npos);
}

TEST(ConfigLimits, NumbersAreDecimalAndFinite) {
  const auto d = ConfigDoc::load_string(
      "a: nan\nb: inf\nc: 0x10\nd: 1e999\ne: 99999999999999999999\nf: -9223372036854775808\ng: 2.5e3\nh: .5\n"
      "i: +7\n",
      "n.yaml");
  const json& r = d.root();
  for (const char* k : {"a", "b", "c", "d", "e"}) EXPECT_TRUE(r[k].is_string()) << k << " = " << r[k].dump();
  EXPECT_EQ(r["f"], std::numeric_limits<int64_t>::min());
  EXPECT_DOUBLE_EQ(r["g"].get<double>(), 2500.0);
  EXPECT_DOUBLE_EQ(r["h"].get<double>(), 0.5);
  EXPECT_EQ(r["i"], 7);
  // A whole float beyond int64_t is not an integer (its conversion was undefined).
  const auto big = ConfigDoc::load_string("seed: 1.0e20\nlr: nan\n", "big.yaml");
  const ConfigReader reader(big, "");
  EXPECT_EQ(error_of([&] { reader.get_int("seed", 0); }), "big.yaml:1:1: 'seed' expects an integer, got 1e+20");
  EXPECT_EQ(error_of([&] { reader.get_number("lr", 0.1); }), "big.yaml:2:1: 'lr' expects a number, got \"nan\"");
}

}  // namespace
}  // namespace atrous
