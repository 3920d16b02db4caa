// `--input CxHxW` (cli/shape_option.hpp): digits only, three positive sizes
// within int64, and a usage error quoting the text for anything else.
#include "cli/shape_option.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "support/error_of.hpp"

namespace atrous::cli {
namespace {

TEST(ShapeOption, ParsesChannelsHeightWidth) {
  EXPECT_EQ(parse_shape("3x64x64"), (Shape{3, 64, 64}));
  EXPECT_EQ(parse_shape("1x9223372036854775807x1"), (Shape{1, INT64_MAX, 1}));
}

TEST(ShapeOption, OutOfRangeIsNamed) {
  // sscanf clamped this silently to INT64_MAX.
  const std::string e = testing::error_of([] { parse_shape("3x99999999999999999999x5"); });
  EXPECT_EQ(e,
            "--input '3x99999999999999999999x5': 99999999999999999999 is out of range (at most 9223372036854775807); "
            "expected CxHxW with positive sizes, e.g. 3x64x64");
}

TEST(ShapeOption, RejectsWhatIsNotThreePositiveSizes) {
  for (const char* bad : {"3x0x5", "3x64", "3x64x64x", "-3x4x4", "3x 4x4", "", "x4x4", "3X4x4", "+3x4x4"}) {
    try {
      parse_shape(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::usage) << bad;
      EXPECT_NE(std::string(e.what()).find(std::string("--input '") + bad + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("expected CxHxW"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace atrous::cli
