#include "cli/commands.hpp"
#include "core/context.hpp"

namespace atrous::cli {

void add_threads_option(CLI::App& sub, int& threads) {
  sub.add_option("--threads", threads, "OpenMP threads (default: all cores)")->check(CLI::NonNegativeNumber);
  sub.parse_complete_callback([&threads] { set_threads(threads); });
}

}  // namespace atrous::cli
