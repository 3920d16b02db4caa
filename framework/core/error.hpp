#pragma once
// atrous::Error: an error a user can act on. It says what was expected, what was
// found and, for configuration files, where (file:line:column).
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace atrous {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  bool known() const { return !file.empty(); }
  std::string str() const;
};

class Error : public std::runtime_error {
 public:
  enum class Kind { usage, runtime };
  explicit Error(const std::string& message, Kind kind = Kind::runtime)
      : std::runtime_error(message), kind_(kind) {}
  Error(const SourceLocation& where, const std::string& message, Kind kind = Kind::usage)
      : std::runtime_error(where.known() ? fmt::format("{}: {}", where.str(), message) : message), kind_(kind) {}
  Kind kind() const { return kind_; }
  // Exit code convention of the CLI: 2 for usage/config errors, 1 for runtime ones.
  int exit_code() const { return kind_ == Kind::usage ? 2 : 1; }

 private:
  Kind kind_;
};

// An allocation that failed, said in words (what was being allocated, how much). A
// separate type so that a caller that knows more (which scenario, which sizes) can
// catch it and say that too, as it does std::bad_alloc.
class OutOfMemory : public Error {
 public:
  explicit OutOfMemory(const std::string& message) : Error(message, Kind::runtime) {}
};

// Throws atrous::Error with a formatted message when `condition` is false.
template <typename... Args>
inline void check(bool condition, fmt::format_string<Args...> format, Args&&... args) {
  if (!condition) throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace atrous
