#include "model/parameters.hpp"

#include <fmt/format.h>

#include "model/expression.hpp"
#include "model/limits.hpp"

namespace atrous::expansion {

using nlohmann::json;

namespace {

// What a `${}` expression in scope `sc` reads.
class ScopeVariables : public Variables {
 public:
  ScopeVariables(Parameters& params, int scope) : params_(params), scope_(scope) {}
  std::optional<json> get(const std::string& name) const override { return params_.get(scope_, name); }
  std::vector<std::string> names() const override { return params_.names(scope_); }

 private:
  Parameters& params_;
  int scope_;
};

}  // namespace

std::vector<std::string> Parameters::names(int sc) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : scopes_[sc].params) out.push_back(k);
  return out;
}

std::optional<json> Parameters::get(int sc, const std::string& name) {
  auto it = scopes_[sc].params.find(name);
  if (it == scopes_[sc].params.end()) return std::nullopt;
  Slot& s = it->second;
  if (s.done) return s.value;
  if (s.busy) scopes_.fail(sc, s.src, fmt::format("parameter '{}' depends on itself", name));
  // Each parameter defined from another recurses once; a long chain would overflow the stack.
  if (depth_ >= kMaxParameterChain)
    scopes_.fail(sc, s.src,
                 fmt::format("parameter '{}': more than {} parameters each defined from the next; the limit is {}",
                             name, kMaxParameterChain, kMaxParameterChain));
  s.busy = true;
  ++depth_;
  json v = eval(s.raw, s.src, sc);
  --depth_;
  Slot& again = scopes_[sc].params.at(name);  // (the deque keeps references stable; be explicit anyway)
  again.value = std::move(v);
  again.done = true;
  again.busy = false;
  return again.value;
}

json Parameters::eval(const json& raw, const Src& src, int sc) {
  if (raw.is_string()) {
    const auto& s = raw.get_ref<const std::string&>();
    if (!has_template(s)) return raw;
    try {
      return evaluate_template(s, ScopeVariables(*this, sc));
    } catch (const LocatedError&) {
      throw;
    } catch (const Error& e) {
      scopes_.fail(sc, src, e.what());
    }
  }
  if (raw.is_array()) {
    json out = json::array();
    for (size_t i = 0; i < raw.size(); ++i) out.push_back(eval(raw[i], src.at(i), sc));
    return out;
  }
  if (raw.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : raw.items()) out[k] = eval(v, src.at(k), sc);
    return out;
  }
  return raw;
}

}  // namespace atrous::expansion
