#include "model/expansion.hpp"

#include <algorithm>
#include <cctype>

#include "core/utf8.hpp"

namespace atrous::expansion {

LocatedError::LocatedError(const SourceLocation& at, const std::string& message)
    : Error(SourceLocation{printable_utf8(at.file), at.line, at.column}, printable_utf8(message), Kind::usage) {}

void fail_at(const SourceLocation& at, const std::string& message) { throw LocatedError(at, message); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

Target Target::of_tensor(std::string name, SourceLocation at) {
  Target t;
  t.tensor = std::move(name);
  t.where = std::move(at);
  return t;
}

Target Target::of_name(int scope, std::string local, SourceLocation at) {
  Target t;
  t.scope = scope;
  t.local = std::move(local);
  t.where = std::move(at);
  return t;
}

std::string Scopes::context(int sc) const {
  if (sc < 0 || static_cast<size_t>(sc) >= scopes_.size()) return "";  // the model's scope is not made yet
  const auto& via = scopes_[static_cast<size_t>(sc)].via;
  if (via.empty()) return "";
  std::string out;
  for (auto it = via.rbegin(); it != via.rend(); ++it) out += (out.empty() ? "" : "; ") + *it;
  return " (in " + out + ")";
}

void Scopes::fail(int sc, const Src& src, const std::string& message) const {
  throw LocatedError(src.loc(), message + context(sc));
}

}  // namespace atrous::expansion
