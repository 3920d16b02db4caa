// `atrous ingest DIR...`: fold the run journals of manifest folders (written by
// `atrous worker --manifest` on a cluster) into the results database on local
// disk; idempotent, so it may run after every array task (sweep/ingest.hpp).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "store/store.hpp"
#include "sweep/ingest.hpp"

namespace atrous::cli {

void add_ingest_command(CLI::App& app) {
  static std::vector<std::string> dirs;
  static std::string db = store::default_db_path;
  static double stale_after = 600;
  auto* sub = app.add_subcommand("ingest", "Fold the run journals of manifest folders into the results database");
  sub->add_option("dirs", dirs, "manifest folders (atrous sweep --emit-manifest DIR) or their manifest.json")
      ->required();
  sub->add_option("--db", db, "results database (on local disk)")->capture_default_str();
  sub->add_option("--stale-after", stale_after,
                  "seconds without a heartbeat after which a run without final status is interrupted")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->callback([] {
    store::Store s = store::Store::open(db);
    IngestOptions o;
    o.stale_after_seconds = stale_after;
    for (const auto& dir : dirs) {
      const IngestOutcome out = ingest_manifest(s, dir, o);
      for (const auto& line : out.skipped) fmt::print(stderr, "skipped: {}\n", line);
      for (const auto& line : out.notes) fmt::print(stderr, "{}\n", line);
      fmt::print("{}: experiment {}: {} run(s), {} with a journal: {} done, {} failed, {} interrupted, {} running, "
                 "{} not started; {} metric value(s)\n",
                 dir, out.experiment, out.runs, out.journals, out.done, out.failed, out.interrupted, out.running,
                 out.not_started, out.metric_rows);
    }
  });
}

}  // namespace atrous::cli
