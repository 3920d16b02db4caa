#include "data/mu_law.hpp"

#include <algorithm>
#include <cmath>

namespace atrous {

namespace {
constexpr double kMu = kMuLawClasses - 1;
const double kLogOnePlusMu = std::log1p(kMu);
}  // namespace

uint8_t mu_law_encode(float x) {
  const double v = std::clamp(static_cast<double>(x), -1.0, 1.0);
  const double y = std::copysign(std::log1p(kMu * std::abs(v)) / kLogOnePlusMu, v);  // in [-1, 1]
  const double c = std::floor((y + 1.0) / 2.0 * kMuLawClasses);
  return static_cast<uint8_t>(std::clamp(c, 0.0, kMu));  // y = 1 belongs to the top class
}

float mu_law_decode(uint8_t c) {
  const double y = (static_cast<double>(c) + 0.5) / kMuLawClasses * 2.0 - 1.0;
  return static_cast<float>(std::copysign(std::expm1(std::abs(y) * kLogOnePlusMu) / kMu, y));
}

}  // namespace atrous
