// `atrous query "SELECT ..."`: read-only SQL against the results database.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/table_format.hpp"
#include "store/read_only_query.hpp"
#include "store/store.hpp"

namespace atrous::cli {

void add_query_command(CLI::App& app) {
  auto* sub = app.add_subcommand("query", "Run one read-only SQL statement on the results database");
  static std::string db = store::default_db_path, format = "table", sql;
  sub->add_option("sql", sql, "one SELECT (or reporting PRAGMA); writes are refused")->required();
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_option("--format", format, "table, csv, json or md")->capture_default_str();
  sub->callback([] {
    const TableFormat f = parse_table_format(format);
    fmt::print("{}", format_table(store::read_only_query(db, sql), f));
  });
}

}  // namespace atrous::cli
