#include "sweep/claim.hpp"

#include <cctype>

namespace atrous {

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

std::optional<std::vector<std::string>> parse_claim(const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (true) {
    const auto gt = text.find('>', start);
    const std::string name = trimmed(text.substr(start, gt == std::string::npos ? std::string::npos : gt - start));
    if (name.empty()) return std::nullopt;
    for (char c : name)
      if (!is_name_char(c)) return std::nullopt;
    names.push_back(name);
    if (gt == std::string::npos) break;
    start = gt + 1;
  }
  if (names.size() < 2) return std::nullopt;
  return names;
}

}  // namespace atrous
