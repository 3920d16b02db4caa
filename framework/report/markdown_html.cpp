#include "report/markdown_html.hpp"

#include <fmt/format.h>

#include <cctype>
#include <sstream>
#include <vector>

#include "report/html_escape.hpp"

namespace atrous::report {

namespace {

std::string escape(const std::string& s) { return escape_html(s, /*quotes=*/true); }

// The length of the entity reference at s[i] ("&lt;", "&#60;"), 0 when none:
// the report writes user text's '<', '>' and '&' as entities, which stay as they are.
std::size_t entity_at(const std::string& s, std::size_t i) {
  if (s[i] != '&') return 0;
  std::size_t j = i + 1;
  if (j < s.size() && s[j] == '#') ++j;
  const std::size_t first = j;
  while (j < s.size() && j - first < 10 && std::isalnum(static_cast<unsigned char>(s[j]))) ++j;
  return j > first && j < s.size() && s[j] == ';' ? j + 1 - i : 0;
}

// escape() for markdown text: its entity references already stand for characters.
std::string escape_text(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = entity_at(s, i);
    out += n ? s.substr(i, n) : escape(std::string(1, s[i]));
    i += n ? n : 1;
  }
  return out;
}

// The number of backticks in the run starting at s[i].
std::size_t backticks_at(const std::string& s, std::size_t i) {
  std::size_t n = 0;
  while (i + n < s.size() && s[i + n] == '`') ++n;
  return n;
}

// **bold** and `code` spans (fenced by a run of n backticks, closed by a run of
// exactly n, one padding space each side dropped as in CommonMark); markers
// without a partner stay literal.
std::string inline_html(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '`') {
      const std::size_t n = backticks_at(s, i);
      std::size_t end = i + n;
      while ((end = s.find('`', end)) != std::string::npos && backticks_at(s, end) != n) end += backticks_at(s, end);
      if (end != std::string::npos) {
        std::string text = s.substr(i + n, end - i - n);
        if (text.size() >= 2 && text.front() == ' ' && text.back() == ' ' && text.find_first_not_of(' ') != std::string::npos)
          text = text.substr(1, text.size() - 2);
        out += "<code>" + escape(text) + "</code>";
        i = end + n;
        continue;
      }
      out += std::string(n, '`');
      i += n;
      continue;
    }
    if (const std::size_t n = entity_at(s, i)) {
      out += s.substr(i, n);
      i += n;
      continue;
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
                          escape_text(line.substr(2, mid - 2)));
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
