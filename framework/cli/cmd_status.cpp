// `atrous status [EXP]`: the runs of an experiment (name or spec file) with their
// state, progress, best report metric and ETA; for a sweep on Slurm also the state
// Slurm gives each run's array task (docs/slurm.md).
#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "cli/slurm_options.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "sweep/ingest.hpp"
#include "sweep/manifest.hpp"
#include "sweep/plan.hpp"
#include "sweep/slurm_cli.hpp"
#include "sweep/slurm_jobs.hpp"
#include "sweep/status_table.hpp"

namespace atrous::cli {

namespace fs = std::filesystem;

namespace {

// A database of its own in a temporary folder, removed with it.
class ScratchDatabase {
 public:
  ScratchDatabase() {
    const fs::path base = fs::temp_directory_path() / "atrous-status.XXXXXX";
    std::string pattern = base.string();
    if (!::mkdtemp(pattern.data()))
      throw Error(fmt::format("cannot create a temporary folder like {}", base.string()));
    dir_ = pattern;
  }
  ~ScratchDatabase() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path() const { return (dir_ / "status.db").string(); }

 private:
  fs::path dir_;
};

// The Slurm state of each run's array task, by run id: empty without recorded jobs or without squeue/sacct.
std::map<std::string, std::string> slurm_states(const Manifest& m, const std::string& dir) {
  const auto submissions = read_slurm_submissions(dir);
  if (submissions.empty()) return {};
  std::vector<std::string> jobs;
  for (const auto& s : submissions) jobs.push_back(s.job);
  std::map<std::string, std::string> out;
  for (const auto& [index, state] : slurm_index_states(submissions, slurm_task_states(jobs)))
    if (index >= 0 && index < static_cast<int>(m.runs.size())) out[m.runs[static_cast<size_t>(index)].run_id] = state;
  return out;
}

}  // namespace

void add_status_command(CLI::App& app) {
  static std::string experiment, db = store::default_db_path, format = "table", manifest;
  auto* sub = app.add_subcommand("status", "Runs of an experiment: status, progress, best metric, ETA");
  sub->add_option("experiment", experiment, "experiment name or spec file (default: all experiments)");
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_option("--format", format, "table, csv, json or md")->capture_default_str();
  sub->add_option("--manifest", manifest,
                  "the sweep's manifest folder on a cluster (default for --backend slurm: <db folder>/slurm/<EXP> "
                  "when it exists): its runs' Slurm states, and its journals when not ingested yet");
  sub->callback([] {
    const TableFormat f = parse_table_format(format);
    std::string name = experiment;
    std::map<std::string, std::string> grid;
    if (fs::is_regular_file(experiment)) {
      // A spec file: its name, and the grid values of its runs.
      const SweepPlan plan = load_sweep_plan(experiment);
      name = plan.spec.name;
      if (!plan.spec.grid.empty())
        for (const auto& r : plan.runs) grid[r.id] = grid_label(r.planned);
    }
    std::string dir = manifest.empty() ? std::string() : manifest_dir(manifest_file(manifest));
    if (dir.empty() && !name.empty() && fs::is_regular_file(fs::path(default_slurm_manifest_dir(db, name)) / "manifest.json"))
      dir = default_slurm_manifest_dir(db, name);
    std::optional<Manifest> m;
    if (!dir.empty()) {
      m = read_manifest(manifest_file(dir));
      if (name.empty()) name = m->experiment;
      if (m->experiment != name)
        throw Error(fmt::format("{} is a manifest of experiment '{}', not '{}'", manifest_file(dir), m->experiment, name),
                    Error::Kind::usage);
    }
    const auto states = m ? slurm_states(*m, dir) : std::map<std::string, std::string>{};
    std::optional<store::Store> s;
    if (fs::exists(db)) s.emplace(store::Store::open_read_only(db));
    if (m && (!s || !s->find_experiment(name))) {
      // Not ingested yet (the ingest job runs after the arrays): what the journals say, folded into a scratch
      // database as `atrous ingest` would, leaving the real one untouched.
      ScratchDatabase scratch;
      store::Store from_journals = store::Store::open(scratch.path());
      ingest_manifest(from_journals, dir, IngestOptions{});
      fmt::print("{}", format_table(status_table(from_journals, name, grid, states), f));
      if (f == TableFormat::table)
        fmt::print("(from the run journals in {}: not in {} until `atrous ingest {}`)\n", dir, db, dir);
      return;
    }
    if (!s) s.emplace(store::Store::open_read_only(db));  // its own error for a missing database
    fmt::print("{}", format_table(status_table(*s, name, grid, states), f));
  });
}

}  // namespace atrous::cli
