#pragma once
// A CLI11 validator for integer options: "--count: expected an integer in [1, 1024],
// got 'many'" rather than CLI11's PositiveNumber message, which prints the largest
// double in full and says "not in range" for text that is not a number at all.
#include <CLI/CLI.hpp>
#include <cstdint>

namespace atrous::cli {

CLI::Validator int_range(int64_t lo, int64_t hi);

}  // namespace atrous::cli
