#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/context.hpp"

namespace atrous::cli {

void add_threads_option(CLI::App& sub, int& threads) {
  sub.add_option("--threads", threads, fmt::format("OpenMP threads, 1 to {} (default: all cores)", kMaxThreads))
      ->check(CLI::Range(0, kMaxThreads));
  sub.parse_complete_callback([&threads] { set_threads(threads); });
}

}  // namespace atrous::cli
