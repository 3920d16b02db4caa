#include "store/experiment_name.hpp"

#include <fmt/format.h>

namespace atrous::store {

std::optional<std::string> experiment_name_problem(std::string_view name) {
  constexpr const char* rule = "letters, digits, '.', '_' and '-'";
  if (name.empty()) return std::string("an experiment name must not be empty");
  if (name.size() > max_experiment_name)
    return fmt::format("an experiment name has at most {} characters (this one has {})", max_experiment_name,
                       name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok)
      return fmt::format("an experiment name may hold only {} (it names the report's file); character {} is {}", rule,
                         i + 1, c >= 0x21 && c < 0x7f ? fmt::format("'{}'", static_cast<char>(c))
                                                      : fmt::format("byte 0x{:02x}", c));
  }
  if (name.front() == '.' || name.front() == '-')
    return fmt::format("an experiment name must not start with '{}' (it names the report's file)", name.front());
  return std::nullopt;
}

}  // namespace atrous::store
