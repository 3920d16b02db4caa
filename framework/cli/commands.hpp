#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and adds itself to the app.
// The CLI stays thin: parse flags, call the library, print.
#include <CLI/CLI.hpp>

namespace atrous::cli {

void add_info_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_model_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_runs_command(CLI::App& app);
void add_query_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_rf_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_status_command(CLI::App& app);
void add_worker_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_ingest_command(CLI::App& app);
void add_generate_command(CLI::App& app);

// Adds --threads to a computing subcommand; the value is applied before it runs.
void add_threads_option(CLI::App& sub, int& threads);

}  // namespace atrous::cli
