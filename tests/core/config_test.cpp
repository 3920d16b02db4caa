#include <gtest/gtest.h>

#include "core/config.hpp"

namespace atrous {
namespace {

TEST(ConfigDoc, KeepsTypesAndLocations) {
  auto d = ConfigDoc::load_string("name: x\nparams:\n  width: 32\n  p: 0.5\n  q: '7'\nlayers:\n  - {type: conv, out: 8}\n",
                                  "m.yaml");
  EXPECT_EQ(d.root()["params"]["width"], 32);
  EXPECT_TRUE(d.root()["params"]["width"].is_number_integer());
  EXPECT_DOUBLE_EQ(d.root()["params"]["p"].get<double>(), 0.5);
  EXPECT_TRUE(d.root()["params"]["q"].is_string());
  EXPECT_EQ(d.where("/params/width").str(), "m.yaml:3:3");
  EXPECT_EQ(d.where("/layers/0/out").line, 7);
  EXPECT_EQ(d.where("/layers/0/nonexistent").line, 7);  // falls back to the enclosing item
}

TEST(ConfigDoc, SyntaxAndDuplicateErrorsAreLocated) {
  try {
    ConfigDoc::load_string("a: [1, 2\nb: 3\n", "bad.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:"), std::string::npos) << e.what();
  }
  try {
    ConfigDoc::load_string("a: 1\na: 2\n", "dup.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dup.yaml:2:1: duplicate key 'a'"), std::string::npos) << e.what();
  }
}

TEST(ConfigDoc, DottedOverrides) {
  auto d = ConfigDoc::load_string("train:\n  lr: 0.1\n  scales: [1.0]\nlayers:\n  - {out: 8}\n", "t.yaml");
  d.apply_override("train.lr=0.01");
  d.apply_override("train.scales=[0.5, 1.0, 1.5]");
  d.apply_override("layers.0.out=16");
  d.apply_override("+train.new_key=abc");
  EXPECT_DOUBLE_EQ(d.root()["train"]["lr"].get<double>(), 0.01);
  EXPECT_EQ(d.root()["train"]["scales"].size(), 3u);
  EXPECT_EQ(d.root()["layers"][0]["out"], 16);
  EXPECT_EQ(d.root()["train"]["new_key"], "abc");
  try {
    d.apply_override("train.lrr=1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'lrr'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(d.apply_override("layers.5.out=1"), Error);
  EXPECT_THROW(d.apply_override("novalue"), Error);
}

}  // namespace
}  // namespace atrous
