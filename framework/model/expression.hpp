#pragma once
// `${...}` templates of the model language. An expression is integer arithmetic
// over parameters: integer literals, names, + - * /, unary minus, parentheses,
// min(a, b, ...) and max(a, b, ...). Division floors (as Python's //) so that
// `${width/2}` of an odd width is predictable; dividing by zero is an error.
// Arithmetic is checked: a result outside int64_t is an error, never a wrapped
// value, and parentheses and signs nest at most 100 deep.
//
// A string that is exactly one `${name}` yields the parameter's value unchanged,
// whatever its type (a list of rates, a float, a string); any other expression
// must be integer arithmetic and yields an integer; `${}` inside a longer string
// is spliced into the text ("conv${i}").
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace atrous {

// What an expression can read. `get` returns nullopt for an unknown name.
class Variables {
 public:
  virtual ~Variables() = default;
  virtual std::optional<nlohmann::json> get(const std::string& name) const = 0;
  virtual std::vector<std::string> names() const = 0;
};

// True when `text` contains a `${`.
bool has_template(const std::string& text);

// Evaluates the `${...}` parts of `text` (see above). Throws atrous::Error (usage)
// without a location; the caller knows which key the text came from.
nlohmann::json evaluate_template(const std::string& text, const Variables& vars);

// Evaluates one arithmetic expression (the part between `${` and `}`).
int64_t evaluate_expression(const std::string& expression, const Variables& vars);

}  // namespace atrous
