// atrous: ablation studies of dilated-convolution networks over oneDNN.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <new>
#include <dnnl.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"

namespace {

// The deepest subcommand the command line reached, for the hint.
const CLI::App& deepest_command(const CLI::App& app) {
  const auto subs = app.get_subcommands();
  return subs.empty() ? app : deepest_command(*subs.front());
}

// "atrous data stats"
std::string command_path(const CLI::App& app) {
  const CLI::App* parent = app.get_parent();
  return parent ? command_path(*parent) + " " + app.get_name() : std::string("atrous");
}

// CLI11 exits with its own codes (105 for a bad value, 106 for a missing one, 109
// for an unknown option, ...). atrous uses 2 for every usage error, so a script or
// the sweep sees one convention: one line saying what was wrong and where to look.
int report_parse_error(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
  const CLI::App& at = deepest_command(app);
  std::string message = e.what();
  // "atrous frobnicate" is reported by CLI11 as a missing subcommand; name the word.
  const auto extra = at.remaining();
  if (dynamic_cast<const CLI::RequiredError*>(&e) && at.get_require_subcommand_min() > 0 && !extra.empty())
    message = fmt::format("'{}' is not a command of {}", extra.front(), command_path(at));
  for (char& c : message)
    if (c == '\n') c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  fmt::print(stderr, "error: {} (see '{} --help')\n", message, command_path(at));
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"atrous: measure dilated-convolution architecture claims on your CPU"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ATROUS_VERSION));
  atrous::cli::add_info_command(app);
  atrous::cli::add_model_command(app);
  atrous::cli::add_bench_command(app);
  atrous::cli::add_data_command(app);
  atrous::cli::add_runs_command(app);
  atrous::cli::add_query_command(app);
  atrous::cli::add_compare_command(app);
  atrous::cli::add_rf_command(app);
  atrous::cli::add_train_command(app);
  atrous::cli::add_predict_command(app);
  atrous::cli::add_eval_command(app);
  atrous::cli::add_sweep_command(app);
  atrous::cli::add_status_command(app);
  atrous::cli::add_worker_command(app);
  atrous::cli::add_report_command(app);
  atrous::cli::add_ingest_command(app);
  atrous::cli::add_generate_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e);
  } catch (const atrous::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return e.exit_code();
  } catch (const dnnl::error& e) {
    fmt::print(stderr, "error: oneDNN: {}\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // Inputs are bounded where they are read; this is what is left (a model too large
    // for this machine at the size asked for), said in words rather than "std::bad_alloc".
    fmt::print(stderr, "error: out of memory: this request needs more memory than the machine gives; use a smaller "
                       "image size, batch size, model or fewer scales\n");
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
