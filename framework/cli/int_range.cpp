#include "cli/int_range.hpp"

#include <fmt/format.h>

#include <charconv>

namespace atrous::cli {

CLI::Validator int_range(int64_t lo, int64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
          return fmt::format("expected an integer in [{}, {}], got '{}'", lo, hi, text);
        return {};
      },
      fmt::format("in [{}, {}]", lo, hi));
}

}  // namespace atrous::cli
