// `atrous status [EXP]`: the runs of an experiment (name or spec file) with their
// state, progress, best report metric and ETA.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "store/store.hpp"
#include "sweep/plan.hpp"
#include "sweep/status_table.hpp"

namespace atrous::cli {

void add_status_command(CLI::App& app) {
  static std::string experiment, db = store::default_db_path, format = "table";
  auto* sub = app.add_subcommand("status", "Runs of an experiment: status, progress, best metric, ETA");
  sub->add_option("experiment", experiment, "experiment name or spec file (default: all experiments)");
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_option("--format", format, "table, csv, json or md")->capture_default_str();
  sub->callback([] {
    const TableFormat f = parse_table_format(format);
    auto s = store::Store::open_read_only(db);
    std::string name = experiment;
    std::map<std::string, std::string> grid;
    if (std::filesystem::is_regular_file(experiment)) {
      // A spec file: its name, and the grid values of its runs.
      const SweepPlan plan = load_sweep_plan(experiment);
      name = plan.spec.name;
      if (!plan.spec.grid.empty())
        for (const auto& r : plan.runs) grid[r.id] = grid_label(r.planned);
    }
    fmt::print("{}", format_table(status_table(s, name, grid), f));
  });
}

}  // namespace atrous::cli
