// `atrous worker` (hidden): executes one run — of the results database (--db/--run,
// started by the sweep backends, sweep/worker.hpp) or of a manifest
// (--manifest/--index, started by a launcher such as a Slurm array; no database,
// sweep/manifest_worker.hpp). Exit code: 0 done, 3 failed, 4 interrupted, 5 not
// claimed / not started.
#include <cstdlib>
#include <optional>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "sweep/manifest_worker.hpp"
#include "sweep/worker.hpp"
#include "train/collective.hpp"

namespace atrous::cli {

void add_worker_command(CLI::App& app) {
  static std::string db = store::default_db_path, run, manifest;
  static int threads = 0, index = -1, pack = 1;
  static double heartbeat = 30, wait_parent = 0;
  auto* sub = app.add_subcommand(
      "worker", "Execute one run: queued in the database (atrous sweep) or of a manifest (a cluster's array task)");
  sub->group("");  // hidden: not a user command
  auto* db_option = sub->add_option("--db", db, "results database")->capture_default_str();
  auto* run_option = sub->add_option("--run", run, "run id");
  auto* manifest_option =
      sub->add_option("--manifest", manifest, "a manifest (atrous sweep --emit-manifest): run one of its runs");
  sub->add_option("--index", index, "the manifest run to execute (default: $SLURM_ARRAY_TASK_ID)")
      ->check(CLI::NonNegativeNumber)
      ->needs(manifest_option);
  sub->add_option("--pack", pack, "runs per task: index I runs I*P .. I*P+P-1")
      ->check(CLI::PositiveNumber)
      ->needs(manifest_option);
  sub->add_option("--heartbeat", heartbeat, "seconds between journal heartbeats")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->needs(manifest_option);
  sub->add_option("--wait-parent", wait_parent, "seconds to wait for a staged run's parent to be DONE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->needs(manifest_option);
  sub->add_option("--threads", threads, "OpenMP threads (default: all cores)")->check(CLI::NonNegativeNumber);
  manifest_option->excludes(run_option)->excludes(db_option);
  sub->callback([] {
    int code;
    // Over several ranks (a run with train.ranks > 1) an error on one rank ends them all: the others may
    // wait for it in a collective.
    try {
      if (!manifest.empty()) {
        ManifestWorkerOptions o;
        o.manifest = manifest;
        if (index >= 0) o.index = index;
        o.pack = pack;
        o.threads = threads;
        o.heartbeat_seconds = heartbeat;
        o.wait_parent_seconds = wait_parent;
        code = run_manifest_worker(o);
      } else {
        if (run.empty()) throw Error("worker: give --run ID (with --db) or --manifest M", Error::Kind::usage);
        code = run_worker(db, run, threads);
      }
    } catch (const std::exception& e) {
      const auto* error = dynamic_cast<const Error*>(&e);
      Collective::abort_if_parallel(e.what(), error ? error->exit_code() : 1);
      throw;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    if (code != 0) std::exit(code);
  });
}

}  // namespace atrous::cli
