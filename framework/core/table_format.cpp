#include "core/table_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace atrous {
namespace {

bool is_number(const Cell& c) { return std::holds_alternative<int64_t>(c) || std::holds_alternative<double>(c); }

// Full precision (shortest round-trip) for machine formats.
std::string exact_text(const Cell& c) {
  if (std::holds_alternative<std::monostate>(c)) return "";
  if (auto* i = std::get_if<int64_t>(&c)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&c)) return fmt::format("{}", *d);
  return std::get<std::string>(c);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

// Markdown cells cannot hold '|' or newlines.
std::string md_field(std::string s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += "\\|";
    else if (ch == '\n') out += ' ';
    else out += ch;
  }
  return out;
}

// Terminal tables cap each cell: one long value (a model's whole layer list is
// one param) would otherwise push every other column off the screen. The
// machine formats (csv, json, md) keep full values.
constexpr size_t kMaxCellWidth = 60;

std::string clip(std::string s) {
  if (s.size() <= kMaxCellWidth) return s;
  s.resize(kMaxCellWidth - 3);
  // Do not cut a UTF-8 sequence in half.
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
  return s + "...";
}

std::string format_text(const Table& t) {
  std::vector<std::vector<std::string>> cells(t.rows.size());
  std::vector<size_t> width(t.columns.size());
  for (size_t c = 0; c < t.columns.size(); ++c) width[c] = t.columns[c].size();
  for (size_t r = 0; r < t.rows.size(); ++r) {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      std::string s = cell_text(t.rows[r][c]);
      std::replace(s.begin(), s.end(), '\n', ' ');
      s = clip(std::move(s));
      width[c] = std::max(width[c], s.size());
      cells[r].push_back(std::move(s));
    }
  }
  std::vector<bool> numeric(t.columns.size(), false);
  for (size_t c = 0; c < t.columns.size(); ++c) {
    bool any = false, all = true;
    for (const auto& row : t.rows) {
      if (std::holds_alternative<std::monostate>(row[c])) continue;
      any = true;
      all = all && is_number(row[c]);
    }
    numeric[c] = any && all;
  }
  std::string out;
  auto line = [&](auto&& text_of) {
    std::string l;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (c) l += "  ";
      const std::string s = text_of(c);
      l += numeric[c] ? fmt::format("{:>{}}", s, width[c]) : fmt::format("{:<{}}", s, width[c]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line([&](size_t c) { return t.columns[c]; });
  line([&](size_t c) { return std::string(width[c], '-'); });
  for (const auto& row : cells) line([&](size_t c) { return row[c]; });
  return out;
}

std::string format_csv(const Table& t) {
  std::string out;
  for (size_t c = 0; c < t.columns.size(); ++c) out += (c ? "," : "") + csv_field(t.columns[c]);
  out += "\n";
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + csv_field(exact_text(row[c]));
    out += "\n";
  }
  return out;
}

std::string format_json(const Table& t) {
  auto arr = nlohmann::json::array();
  for (const auto& row : t.rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      const Cell& v = row[c];
      if (auto* i = std::get_if<int64_t>(&v)) obj[t.columns[c]] = *i;
      else if (auto* d = std::get_if<double>(&v)) obj[t.columns[c]] = std::isfinite(*d) ? nlohmann::json(*d) : nlohmann::json();
      else if (auto* s = std::get_if<std::string>(&v)) obj[t.columns[c]] = *s;
      else obj[t.columns[c]] = nullptr;
    }
    arr.push_back(std::move(obj));
  }
  return arr.dump(2) + "\n";
}

std::string format_md(const Table& t) {
  std::string out = "|";
  for (const auto& c : t.columns) out += " " + md_field(c) + " |";
  out += "\n|";
  for (size_t c = 0; c < t.columns.size(); ++c) {
    bool num = !t.rows.empty() && std::all_of(t.rows.begin(), t.rows.end(), [&](const auto& r) {
      return is_number(r[c]) || std::holds_alternative<std::monostate>(r[c]);
    });
    out += num ? "---:|" : "---|";
  }
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const auto& v : row) out += " " + md_field(cell_text(v)) + " |";
    out += "\n";
  }
  return out;
}

}  // namespace

TableFormat parse_table_format(std::string_view name) {
  if (name == "table") return TableFormat::table;
  if (name == "csv") return TableFormat::csv;
  if (name == "json") return TableFormat::json;
  if (name == "md") return TableFormat::md;
  throw Error(fmt::format("unknown format '{}': expected table, csv, json or md", name), Error::Kind::usage);
}

std::string cell_text(const Cell& c) {
  if (std::holds_alternative<std::monostate>(c)) return "-";
  if (auto* d = std::get_if<double>(&c)) return fmt::format("{:.6g}", *d);
  return exact_text(c);
}

std::string format_table(const Table& t, TableFormat format) {
  switch (format) {
    case TableFormat::table: return format_text(t);
    case TableFormat::csv: return format_csv(t);
    case TableFormat::json: return format_json(t);
    case TableFormat::md: return format_md(t);
  }
  return {};
}

}  // namespace atrous
