#include "report/markdown_html.hpp"

#include <fmt/format.h>

#include <sstream>
#include <vector>

namespace atrous::report {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// **bold** and `code` spans; markers without a partner stay literal.
std::string inline_html(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '`') {
      const auto end = s.find('`', i + 1);
      if (end != std::string::npos) {
        out += "<code>" + escape(s.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    }
    if (s.compare(i, 2, "**") == 0) {
      const auto end = s.find("**", i + 2);
      if (end != std::string::npos) {
        out += "<strong>" + inline_html(s.substr(i + 2, end - i - 2)) + "</strong>";
        i = end + 2;
        continue;
      }
    }
    out += escape(std::string(1, s[i]));
    ++i;
  }
  return out;
}

// A pipe-table row's cells; "\|" is a literal pipe inside a cell (format_table's escape).
std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::string cell;
  auto finish = [&] {
    const auto a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
    out.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
    cell.clear();
  };
  std::string body = row.substr(1);  // after the leading '|'
  if (body.size() >= 1 && body.back() == '|' && (body.size() < 2 || body[body.size() - 2] != '\\')) body.pop_back();
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && body[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (body[i] == '|') {
      finish();
    } else {
      cell += body[i];
    }
  }
  finish();
  return out;
}

bool is_separator(const std::string& row) { return row.find_first_not_of("|-: ") == std::string::npos; }

}  // namespace

std::string markdown_to_html(const std::string& markdown, const std::string& title) {
  std::vector<std::string> lines;
  std::istringstream in(markdown);
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  std::string body;
  for (std::size_t i = 0; i < lines.size();) {
    const std::string& line = lines[i];
    if (line.empty()) {
      ++i;
    } else if (line[0] == '#' && line.find_first_not_of('#') != std::string::npos &&
               line[line.find_first_not_of('#')] == ' ') {
      const auto level = line.find_first_not_of('#');
      body += fmt::format("<h{0}>{1}</h{0}>\n", level, inline_html(line.substr(level + 1)));
      ++i;
    } else if (line.rfind("![", 0) == 0 && line.find("](") != std::string::npos && line.back() == ')') {
      const auto mid = line.find("](");
      body += fmt::format("<p><img src=\"{}\" alt=\"{}\"></p>\n", escape(line.substr(mid + 2, line.size() - mid - 3)),
                          escape(line.substr(2, mid - 2)));
      ++i;
    } else if (line[0] == '|') {
      body += "<table>\n";
      bool header = true;
      for (; i < lines.size() && !lines[i].empty() && lines[i][0] == '|'; ++i) {
        if (is_separator(lines[i])) continue;
        body += "<tr>";
        for (const auto& c : cells(lines[i])) body += header ? "<th>" + inline_html(c) + "</th>" : "<td>" + inline_html(c) + "</td>";
        body += "</tr>\n";
        header = false;
      }
      body += "</table>\n";
    } else if (line.rfind("- ", 0) == 0) {
      body += "<ul>\n";
      for (; i < lines.size() && lines[i].rfind("- ", 0) == 0; ++i) body += "<li>" + inline_html(lines[i].substr(2)) + "</li>\n";
      body += "</ul>\n";
    } else if (line.rfind("> ", 0) == 0) {
      body += "<blockquote>";
      for (; i < lines.size() && lines[i].rfind("> ", 0) == 0; ++i) body += inline_html(lines[i].substr(2)) + " ";
      body += "</blockquote>\n";
    } else {
      std::string text;
      // The first line always belongs here (it matched no block above), so `i` advances.
      for (bool first = true; i < lines.size() && !lines[i].empty() &&
                              (first || (lines[i][0] != '#' && lines[i][0] != '|' && lines[i].rfind("- ", 0) != 0 &&
                                         lines[i].rfind("![", 0) != 0 && lines[i].rfind("> ", 0) != 0));
           ++i, first = false)
        text += (text.empty() ? "" : " ") + inline_html(lines[i]);
      body += "<p>" + text + "</p>\n";
    }
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n"
      "body {{ font-family: sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}\n"
      "table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}\n"
      "th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }}\n"
      "th {{ background: #f4f4f4; }}\n"
      "blockquote {{ border-left: 4px solid #e15759; margin: 1rem 0; padding: 0.25rem 1rem; background: #fdf3f3; }}\n"
      "img {{ max-width: 100%; }}\n"
      "code {{ background: #f4f4f4; padding: 0 0.2rem; }}\n"
      "</style>\n</head>\n<body>\n{}</body>\n</html>\n",
      escape(title), body);
}

}  // namespace atrous::report
