#include "eval/scales.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace atrous {

void check_scales(const std::vector<double>& scales, const std::string& option) {
  const auto fail = [&](const std::string& why) {
    throw Error(fmt::format("{}: {} (expected scales in (0, {}], each listed once, e.g. 0.75,1,1.25)", option, why,
                            kMaxEvalScale),
                Error::Kind::usage);
  };
  if (scales.empty()) fail("no scale given");
  for (size_t i = 0; i < scales.size(); ++i) {
    const double s = scales[i];
    if (!std::isfinite(s)) fail(fmt::format("{} is not a finite number", s));
    if (s <= 0) fail(fmt::format("{} is not positive", s));
    if (s > kMaxEvalScale) fail(fmt::format("{} is larger than {}", s, kMaxEvalScale));
    for (size_t j = 0; j < i; ++j)
      if (scales[j] == s) fail(fmt::format("{} is listed twice", s));
  }
}

}  // namespace atrous
