// `atrous compare RUN_A RUN_B`: config diff and metric diff side by side.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/table_format.hpp"
#include "store/run_compare.hpp"
#include "store/store.hpp"

namespace atrous::cli {

void add_compare_command(CLI::App& app) {
  auto* sub = app.add_subcommand("compare", "Compare two runs: differing params, summaries and last metrics");
  static std::string db = store::default_db_path, format = "table", run_a, run_b;
  static bool all_params = false;
  sub->add_option("run_a", run_a, "run id or a unique prefix")->required();
  sub->add_option("run_b", run_b, "run id or a unique prefix")->required();
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_option("--format", format, "table, csv, json or md")->capture_default_str();
  sub->add_flag("--all-params", all_params, "list equal params too");
  sub->callback([] {
    const TableFormat f = parse_table_format(format);
    auto s = store::Store::open_read_only(db);
    fmt::print("{}", format_table(store::compare_runs(s, run_a, run_b, all_params), f));
  });
}

}  // namespace atrous::cli
