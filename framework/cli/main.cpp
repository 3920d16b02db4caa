// atrous: ablation studies of dilated-convolution networks over oneDNN.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <dnnl.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"

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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const atrous::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return e.exit_code();
  } catch (const dnnl::error& e) {
    fmt::print(stderr, "error: oneDNN: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
