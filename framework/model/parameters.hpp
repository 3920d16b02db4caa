#pragma once
// Parameters of the model and of each block use, and the `${}` expressions that
// read them (model/expression.hpp). A parameter is evaluated when first read, in
// its own scope, so parameters may be defined from parameters in any order; a
// parameter that reads itself, or a chain longer than kMaxParameterChain, is a
// located error.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/expansion.hpp"

namespace atrous::expansion {

class Parameters {
 public:
  explicit Parameters(Scopes& scopes) : scopes_(scopes) {}

  // The value of parameter `name` in scope `sc`, or nullopt when it has none.
  std::optional<nlohmann::json> get(int sc, const std::string& name);
  std::vector<std::string> names(int sc) const;
  // `raw` with every `${}` evaluated in scope `sc`; errors are located at `src`.
  nlohmann::json eval(const nlohmann::json& raw, const Src& src, int sc);

 private:
  Scopes& scopes_;
  int depth_ = 0;  // parameters being evaluated, each for the next (a chain)
};

}  // namespace atrous::expansion
