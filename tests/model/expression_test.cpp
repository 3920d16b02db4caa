#include <gtest/gtest.h>

#include <map>

#include "core/error.hpp"
#include "model/expression.hpp"
#include "model_test_util.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::error_of;

class MapVars : public Variables {
 public:
  explicit MapVars(std::map<std::string, json> v) : v_(std::move(v)) {}
  std::optional<json> get(const std::string& name) const override {
    auto it = v_.find(name);
    if (it == v_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [k, v] : v_) out.push_back(k);
    return out;
  }

 private:
  std::map<std::string, json> v_;
};

const MapVars kVars({{"width", 32}, {"w", 5}, {"rates", json::array({1, 2, 4})}, {"p", 0.5}, {"mode", "bilinear"}});

TEST(Expression, ArithmeticPrecedenceAndParentheses) {
  EXPECT_EQ(evaluate_expression("1 + 2 * 3", kVars), 7);
  EXPECT_EQ(evaluate_expression("(1 + 2) * 3", kVars), 9);
  EXPECT_EQ(evaluate_expression("width * 2 - 4 / 2", kVars), 62);
  EXPECT_EQ(evaluate_expression("-w + 10", kVars), 5);
  EXPECT_EQ(evaluate_expression("--w", kVars), 5);
  EXPECT_EQ(evaluate_expression("2 - 3 - 4", kVars), -5);  // left associative
}

TEST(Expression, DivisionFloors) {
  EXPECT_EQ(evaluate_expression("w / 2", kVars), 2);
  EXPECT_EQ(evaluate_expression("-w / 2", kVars), -3);  // floor, not truncation
  EXPECT_EQ(evaluate_expression("7 / -2", kVars), -4);
  EXPECT_EQ(evaluate_expression("8 / 2 / 2", kVars), 2);
}

TEST(Expression, MinMax) {
  EXPECT_EQ(evaluate_expression("min(width, 16)", kVars), 16);
  EXPECT_EQ(evaluate_expression("max(1, w * 6 / 100)", kVars), 1);
  EXPECT_EQ(evaluate_expression("max(3, w, 4) + min(9, 8, 7)", kVars), 12);
}

TEST(Expression, TemplatesKeepTypesOfBareNames) {
  EXPECT_EQ(evaluate_template("${rates}", kVars), json::array({1, 2, 4}));
  EXPECT_EQ(evaluate_template("${ p }", kVars), json(0.5));
  EXPECT_EQ(evaluate_template("${width*2}", kVars), json(64));
  EXPECT_TRUE(evaluate_template("${width*2}", kVars).is_number_integer());
  EXPECT_EQ(evaluate_template("plain", kVars), json("plain"));
  EXPECT_EQ(evaluate_template("conv${w}_${mode}", kVars), json("conv5_bilinear"));
  EXPECT_EQ(evaluate_template("${w}${w+1}", kVars), json("56"));
}

TEST(Expression, ErrorsSayWhatIsWrong) {
  EXPECT_NE(error_of([] { evaluate_expression("widht * 2", kVars); }).find("unknown parameter 'widht'"),
            std::string::npos);
  EXPECT_NE(error_of([] { evaluate_expression("width / (w - 5)", kVars); }).find("division by zero"),
            std::string::npos);
  EXPECT_NE(error_of([] { evaluate_expression("p * 2", kVars); }).find("parameter 'p' is 0.5, not an integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { evaluate_expression("1.5 * 2", kVars); }).find("only integers"), std::string::npos);
  EXPECT_NE(error_of([] { evaluate_expression("(1 + 2", kVars); }).find("expected ')'"), std::string::npos);
  EXPECT_NE(error_of([] { evaluate_expression("1 +", kVars); }).find("expected a number"), std::string::npos);
  EXPECT_NE(error_of([] { evaluate_expression("2 3", kVars); }).find("unexpected '3'"), std::string::npos);
  EXPECT_NE(error_of([] { evaluate_template("${width", kVars); }).find("without a closing"), std::string::npos);
  EXPECT_NE(error_of([] { evaluate_template("${nope}", kVars); }).find("unknown parameter 'nope'"), std::string::npos);
}

}  // namespace
}  // namespace atrous
