#include "core/run_status.hpp"

#include <fmt/format.h>

#include <array>

#include "core/error.hpp"

namespace atrous {
namespace {
constexpr std::array<std::string_view, 5> names = {"queued", "running", "done", "failed", "interrupted"};
}

std::string_view to_string(RunStatus s) { return names[static_cast<size_t>(s)]; }

RunStatus parse_run_status(std::string_view text) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == text) return static_cast<RunStatus>(i);
  throw Error(fmt::format("unknown run status '{}': expected queued, running, done, failed or interrupted", text));
}

}  // namespace atrous
