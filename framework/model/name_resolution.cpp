#include "model/name_resolution.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace atrous::expansion {

void define(Scopes& scopes, int sc, const std::string& local, Target t, const Src& src) {
  Scope& s = scopes[sc];
  if (local == "input")
    scopes.fail(sc, src, "'input' is reserved for the model's (or block's) input; choose another name");
  auto it = s.defined_at.find(local);
  if (it != s.defined_at.end() || s.names.count(local))
    scopes.fail(sc, src,
                fmt::format("duplicate layer name '{}' (first defined at {})", local,
                            it != s.defined_at.end() ? it->second.str() : "an input"));
  s.names[local] = std::move(t);
  s.defined_at[local] = src.loc();
}

Target lookup(const Scopes& scopes, int sc, const std::string& local, const SourceLocation& where, int depth) {
  if (depth > 10000) fail_at(where, fmt::format("'{}' refers to itself", local));
  const Scope& s = scopes[sc];
  auto it = s.names.find(local);
  if (it != s.names.end()) return it->second;
  // `enc.pool3`: the longest prefix that is a block use, then the rest inside it.
  for (size_t dot = local.rfind('.'); dot != std::string::npos && dot > 0; dot = local.rfind('.', dot - 1)) {
    auto c = s.children.find(local.substr(0, dot));
    if (c != s.children.end()) return lookup(scopes, c->second, local.substr(dot + 1), where, depth + 1);
  }
  // `layer.*.skip`: that name in every instance of the repeated entry `layer`, in order.
  const size_t star = local.find(".*");
  if (star != std::string::npos && star > 0 && (star + 2 == local.size() || local[star + 2] == '.')) {
    const std::string group = local.substr(0, star), rest = local.substr(std::min(star + 3, local.size()));
    Target all;
    all.where = where;
    for (int64_t i = 0; s.names.count(group + "." + std::to_string(i)); ++i) {
      const std::string instance = group + "." + std::to_string(i);
      all.members.push_back(lookup(scopes, sc, rest.empty() ? instance : instance + "." + rest, where, depth + 1));
    }
    if (!all.members.empty()) return all;
    fail_at(where, fmt::format("'{}': no repeated entry named '{}' here ('NAME.*' reads every instance of a "
                               "'repeat')", local, group) +
                       (s.via.empty() ? "" : scopes.context(sc)));
  }
  std::vector<std::string> known;
  for (const auto& [k, v] : s.names) known.push_back(k);
  fail_at(where, fmt::format("no layer named '{}' here (names in this scope: {})", local, join(known)) +
                     (s.via.empty() ? "" : scopes.context(sc)));
}

std::vector<std::string> resolve(const Scopes& scopes, const Target& t, int depth) {
  if (depth > 10000) fail_at(t.where, fmt::format("'{}' refers to itself", t.local));
  if (!t.tensor.empty()) return {t.tensor};
  if (!t.members.empty()) {
    std::vector<std::string> out;
    for (const auto& m : t.members)
      for (auto& name : resolve(scopes, m, depth + 1)) out.push_back(std::move(name));
    return out;
  }
  Target next = lookup(scopes, t.scope, t.local, t.where, 0);
  if (!next.where.known()) next.where = t.where;
  return resolve(scopes, next, depth + 1);
}

}  // namespace atrous::expansion
