// `atrous report EXP [-o FILE] [--db PATH]`: a markdown report of an experiment
// from the results database (framework/report/markdown_report.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "report/markdown_report.hpp"
#include "store/store.hpp"

namespace atrous::cli {

void add_report_command(CLI::App& app) {
  static std::string experiment, output, db = store::default_db_path;
  auto* sub = app.add_subcommand("report", "Markdown report of an experiment: tables, significance, findings");
  sub->add_option("experiment", experiment, "experiment name (as stored by atrous sweep)")->required();
  sub->add_option("-o,--output", output, "report file (default: reports/<experiment>.md)");
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->callback([] {
    if (!std::filesystem::exists(db)) throw Error(fmt::format("no results database at {}", db), Error::Kind::usage);
    auto s = store::Store::open(db);
    const std::string text = report::markdown_report(report::load_report_data(s, experiment));
    const std::filesystem::path path = output.empty() ? std::filesystem::path("reports") / (experiment + ".md") : std::filesystem::path(output);
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw Error(fmt::format("cannot write the report to {}", path.string()));
    fmt::print("{}\n", path.string());
  });
}

}  // namespace atrous::cli
