// Multi-scale evaluation scales: 0, negative, nan, inf, huge or repeated scales
// are usage errors (they used to produce metrics, or a bare std::bad_alloc),
// from the library and from `atrous eval --scales`, before anything is loaded.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "eval/scales.hpp"
#include "support/cli.hpp"

namespace atrous {
namespace {

std::string error_of(const std::vector<double>& scales) {
  try {
    check_scales(scales);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(EvalScales, OnlyPositiveFiniteBoundedDistinctScales) {
  EXPECT_EQ(error_of({1.0}), "(no error)");
  EXPECT_EQ(error_of({0.5, 0.75, 1.0, 1.25, 1.5, 1.75, kMaxEvalScale}), "(no error)");
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(contains(error_of({}), "--scales: no scale given"));
  EXPECT_TRUE(contains(error_of({1.0, 0.0}), "--scales: 0 is not positive"));
  EXPECT_TRUE(contains(error_of({-1.0}), "--scales: -1 is not positive"));
  EXPECT_TRUE(contains(error_of({nan}), "--scales: nan is not a finite number"));
  EXPECT_TRUE(contains(error_of({inf}), "--scales: inf is not a finite number"));
  EXPECT_TRUE(contains(error_of({-inf}), "is not a finite number"));
  EXPECT_TRUE(contains(error_of({1000.0}), "--scales: 1000 is larger than 4"));
  EXPECT_TRUE(contains(error_of({1.0, 0.5, 1.0}), "--scales: 1 is listed twice"));
  EXPECT_TRUE(contains(error_of({1000.0}), "expected scales in (0, 4]"));
}

TEST(EvalScales, EvalRejectsThemBeforeLoadingTheCheckpoint) {
  // The checkpoint does not exist: the scales are checked first.
  for (const char* scales : {"0", "-1", "nan", "inf", "1000", "1,1", "0.5,nan"}) {
    const auto r = testing::run_atrous(std::string("eval /nonexistent/ck.safetensors --scales ") + scales);
    EXPECT_EQ(r.code, 2) << scales << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "error: --scales: ")) << scales << "\n" << r.out;
  }
}

}  // namespace
}  // namespace atrous
