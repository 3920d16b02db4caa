// `atrous runs`: list runs of the results database, filtered and sorted with the
// run key language (store/run_filter.hpp).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/table_format.hpp"
#include "store/store.hpp"

namespace atrous::cli {

void add_runs_command(CLI::App& app) {
  auto* sub = app.add_subcommand("runs", "List runs of the results database (filter, sort, choose columns)");
  static std::string db = store::default_db_path, format = "table";
  static store::RunListQuery query;
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_option("--experiment", query.experiment, "only this experiment");
  sub->add_option("--where", query.where, "filter, e.g. \"variant=dilated and val.miou>0.8\" (ops = != < <= > >= ~)");
  sub->add_option("--sort", query.sort, "comma list of keys, '-' for descending: --sort=-val.miou,seed");
  sub->add_option("--columns", query.columns, "comma list of keys (run fields, summaries, params)")->delimiter(',');
  sub->add_option("--format", format, "table, csv, json or md")->capture_default_str();
  sub->callback([] {
    const TableFormat f = parse_table_format(format);
    auto s = store::Store::open_read_only(db);
    fmt::print("{}", format_table(s.list_runs(query), f));
  });
}

}  // namespace atrous::cli
