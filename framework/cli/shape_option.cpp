#include "cli/shape_option.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>

#include "core/error.hpp"

namespace atrous::cli {

Shape parse_shape(const std::string& text) {
  const auto fail = [&](const std::string& why) {
    throw Error(fmt::format("--input '{}': {}; expected CxHxW with positive sizes, e.g. 3x64x64", text, why),
                Error::Kind::usage);
  };
  // Digits only (no sign, no spaces), each size checked against int64 before it
  // could wrap: sscanf's %lld would clamp 99999999999999999999 silently.
  int64_t sizes[3] = {};
  size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    if (part > 0 && (i >= text.size() || text[i++] != 'x')) fail("not a shape");
    const size_t begin = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == begin) fail("not a shape");
    int64_t v = 0;
    for (size_t k = begin; k < i; ++k) {
      const int digit = text[k] - '0';
      if (v > (INT64_MAX - digit) / 10)
        fail(fmt::format("{} is out of range (at most {})", text.substr(begin, i - begin), INT64_MAX));
      v = v * 10 + digit;
    }
    if (v == 0) fail("sizes must be positive");
    sizes[part] = v;
  }
  if (i != text.size()) fail("not a shape");
  return {sizes[0], sizes[1], sizes[2]};
}

}  // namespace atrous::cli
