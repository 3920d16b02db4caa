#pragma once
// The rule for experiment names. A name becomes a file name (reports/<name>.md
// and the folder of charts beside it), so it must not be able to leave that
// folder or surprise a shell: letters, digits, '.', '_' and '-', at most
// `max_experiment_name` characters, not starting with '.' (hidden files, "..")
// or '-' (read as an option by command-line tools).
#include <optional>
#include <string>
#include <string_view>

namespace atrous::store {

inline constexpr std::size_t max_experiment_name = 64;

// Why `name` is not a valid experiment name ("must not start with '.'"), or none.
std::optional<std::string> experiment_name_problem(std::string_view name);

}  // namespace atrous::store
