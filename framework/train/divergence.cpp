#include "train/divergence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace atrous {

std::string NonFiniteValue::describe() const {
  return fmt::format("parameter '{}' is {} (element {})", name, value, index);
}

size_t first_non_finite(std::span<const float> values) {
  // A float is NaN or infinite exactly when its exponent bits are all ones. The
  // branch-free integer maximum is the fast pass over every value of every step;
  // the exact element is looked for only when there is one.
  constexpr uint32_t kExponent = 0x7f800000u;
  uint32_t largest = 0;
  for (const float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    largest = std::max(largest, bits & kExponent);
  }
  if (largest != kExponent) return values.size();
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i])) return i;
  return values.size();
}

std::optional<NonFiniteValue> find_non_finite(const std::vector<NamedParam>& params) {
  for (const auto& np : params) {
    const std::vector<float>& v = np.param->value;
    if (const size_t i = first_non_finite(v); i < v.size()) return NonFiniteValue{np.name, i, v[i]};
  }
  return std::nullopt;
}

}  // namespace atrous
