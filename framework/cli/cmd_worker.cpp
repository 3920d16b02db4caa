// `atrous worker` (hidden): executes one run of the results database; started by
// the sweep backends (sweep/worker.hpp). Exit code: 0 done, 3 failed, 4 interrupted,
// 5 not claimed.
#include <cstdlib>

#include "cli/commands.hpp"
#include "store/store.hpp"
#include "sweep/worker.hpp"

namespace atrous::cli {

void add_worker_command(CLI::App& app) {
  static std::string db = store::default_db_path, run;
  static int threads = 0;
  auto* sub = app.add_subcommand("worker", "Execute one queued run of the database (used by atrous sweep)");
  sub->group("");  // hidden: not a user command
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_option("--run", run, "run id")->required();
  sub->add_option("--threads", threads, "OpenMP threads (default: all cores)")->check(CLI::NonNegativeNumber);
  sub->callback([] {
    const int code = run_worker(db, run, threads);
    std::fflush(stdout);
    std::fflush(stderr);
    if (code != 0) std::exit(code);
  });
}

}  // namespace atrous::cli
