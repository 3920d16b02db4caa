#pragma once
// A small table of typed cells and its renderings (aligned text, CSV, JSON, markdown).
// One place for the CLI's tabular output: `atrous runs/query/compare` and reports use it.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace atrous {

// A cell keeps its type so that JSON output has real numbers and nulls, and text
// output can right-align numbers. monostate is a missing value (SQL NULL).
using Cell = std::variant<std::monostate, int64_t, double, std::string>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;  // each row has columns.size() cells
};

enum class TableFormat { table, csv, json, md };

// "table", "csv", "json" or "md"; anything else is a usage error naming the choices.
TableFormat parse_table_format(std::string_view name);

// Text for humans: doubles with 6 significant digits, "-" for missing values.
std::string cell_text(const Cell& c);

// table: aligned columns with a header rule; csv: RFC 4180 quoting, full precision;
// json: an array of objects (column -> value), full precision; md: a GitHub table.
std::string format_table(const Table& t, TableFormat format);

}  // namespace atrous
