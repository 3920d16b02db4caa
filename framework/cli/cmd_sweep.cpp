// `atrous sweep EXP.yaml`: plan an experiment (variants × grid × seeds), record it
// in the results database and run what is not done yet; the same command again
// resumes. --dry-run prints the plan only.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "cli/slurm_options.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "sweep/local_backend.hpp"
#include "sweep/manifest.hpp"
#include "sweep/shell_quote.hpp"
#include "sweep/stop_signal.hpp"
#include "sweep/sweep_runner.hpp"

namespace atrous::cli {

void add_sweep_command(CLI::App& app) {
  static std::string experiment, db = store::default_db_path, format = "table", emit_manifest;
  static int jobs = 1, threads = 0;
  static bool dry_run = false, retry_failed = false;
  auto* sub = app.add_subcommand("sweep", "Run an experiment's variants × grid × seeds; resumable");
  sub->add_option("experiment", experiment, "experiment spec (experiments/*.yaml)")->required();
  sub->add_option("--jobs,-j", jobs, "runs at once")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--threads", threads, "total thread budget shared by the jobs (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_flag("--dry-run", dry_run, "print the plan (state, estimated cost) and stop");
  sub->add_flag("--retry-failed", retry_failed, "run failed runs again");
  sub->add_option("--format", format, "table, csv, json or md")->capture_default_str();
  sub->add_option("--emit-manifest", emit_manifest,
                  "write the plan to DIR/manifest.json for `atrous worker --manifest` (a cluster's array "
                  "tasks) instead of running it; prints the runs not done yet");
  static SlurmSweepOptions slurm;
  add_slurm_sweep_options(sub, slurm);
  sub->callback([sub] {
    check_slurm_options_need_backend(sub, slurm);
    const TableFormat f = parse_table_format(format);
    // Everything is resolved before anything runs: a bad spec fails here, located.
    const SweepPlan plan = load_sweep_plan(experiment);
    if (slurm.backend == "slurm") {  // --emit-manifest DIR, when given, is where the tasks' manifest goes
      const std::string dir = emit_manifest.empty() ? default_slurm_manifest_dir(db, plan.spec.name) : emit_manifest;
      write_slurm_sweep(slurm, plan.spec.name, plan.runs.size(), emit_manifest_for_slurm(plan, dir, db), db);
      return;
    }
    if (!emit_manifest.empty()) {
      const Manifest m = manifest_from_plan(plan, experiment);
      const std::string file = (std::filesystem::path(emit_manifest) / "manifest.json").string();
      write_manifest(file, m);
      const std::vector<int> pending = pending_indices(m, emit_manifest, db);
      fmt::print("{}: {} runs, {} pending: {}\n", file, m.runs.size(), pending.size(),
                 pending.empty() ? "none" : index_ranges(pending));
      return;
    }
    if (dry_run) {
      double total = 0;
      int unknown = 0;
      fmt::print("{}", format_table(plan_table(plan, db, &total, &unknown), f));
      if (f == TableFormat::table) {
        fmt::print("{} runs; estimated cost {}{}\n", plan.runs.size(), unknown == static_cast<int>(plan.runs.size())
                                                                          ? "unknown"
                                                                          : format_duration(total),
                   unknown > 0 && unknown < static_cast<int>(plan.runs.size())
                       ? fmt::format(" + {} run(s) of unknown cost", unknown)
                       : "");
        fmt::print("run it: atrous sweep {} --db {}{}{}\n", shell_quote(experiment), shell_quote(db),
                   jobs > 1 ? fmt::format(" --jobs {}", jobs) : "", threads > 0 ? fmt::format(" --threads {}", threads) : "");
      }
      return;
    }
    install_stop_handlers();
    SweepOptions o;
    o.db_path = db;
    o.jobs = jobs;
    o.threads = threads;
    o.retry_failed = retry_failed;
    o.report = [](const std::string& line) {
      fmt::print(stderr, "{}\n", line);
      std::fflush(stderr);
    };
    LocalBackend backend;
    const SweepOutcome out = run_sweep(plan, o, backend);
    if (!out.stale.empty())
      fmt::print(stderr, "{} run(s) left running by a dead process were marked interrupted and resumed\n",
                 out.stale.size());
    fmt::print("{}", format_table(out.summary, f));
    if (stop_requested()) {
      throw Error(fmt::format("sweep stopped by signal {}: {} interrupted run(s) resume with the same command",
                              stop_signal(), out.interrupted));
    }
    if (!out.all_done())
      throw Error(fmt::format("{} of {} runs done, {} failed, {} interrupted, {} other (atrous status {} --db {})",
                              out.done, plan.runs.size(), out.failed, out.interrupted, out.other,
                              shell_quote(plan.spec.name), shell_quote(db)));
  });
}

}  // namespace atrous::cli
