#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/int_range.hpp"
#include "core/context.hpp"

namespace atrous::cli {

void add_threads_option(CLI::App& sub, int& threads) {
  sub.add_option("--threads", threads, fmt::format("OpenMP threads, 1 to {} (default, 0: all cores)", kMaxThreads))
      ->check(int_range(0, kMaxThreads));
  sub.parse_complete_callback([&threads] { set_threads(threads); });
}

}  // namespace atrous::cli
