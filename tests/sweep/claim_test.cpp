// The claim syntax of a spec's report: "a > b > c", best first.
#include "sweep/claim.hpp"

#include <gtest/gtest.h>

namespace atrous {
namespace {

TEST(Claim, ParsesAChainBestFirst) {
  const auto names = parse_claim("os8 > os16>os32");
  ASSERT_TRUE(names.has_value());
  const std::vector<std::string> expected{"os8", "os16", "os32"};
  EXPECT_EQ(*names, expected);
  const auto dotted = parse_claim(" a.b-1 > c_2 ");
  ASSERT_TRUE(dotted.has_value());
  EXPECT_EQ((*dotted)[0], "a.b-1");
}

TEST(Claim, RefusesWhatIsNotAChain) {
  for (const std::string bad : {"", "a", "a >", "> a", "a >> b", "a > b c", "a < b", "a > b > ", "a,b > c"})
    EXPECT_FALSE(parse_claim(bad).has_value()) << bad;
}

}  // namespace
}  // namespace atrous
