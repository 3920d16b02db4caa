#include "report/html_escape.hpp"

namespace atrous::report {

std::string escape_html(std::string_view s, bool quotes) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += quotes ? "&quot;" : "\""; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace atrous::report
