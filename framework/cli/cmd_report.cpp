// `atrous report EXP [-o FILE] [--db PATH] [--format md|html] [--no-charts]
// [--no-predictions] [--no-rf] [--images N] [--audio-seconds S]`: a report of an
// experiment from the results database (framework/report/markdown_report.hpp),
// with its charts, prediction grid and effective receptive fields — for audio,
// generated clips — beside it
// (framework/report/report_writer.hpp).
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "report/report_writer.hpp"
#include "store/experiment_name.hpp"
#include "store/store.hpp"

namespace atrous::cli {

void add_report_command(CLI::App& app) {
  static std::string experiment, output, db = store::default_db_path, format = "md";
  static bool no_charts = false, no_predictions = false, no_rf = false;
  static int64_t images = 4;
  static double audio_seconds = 2.0;
  auto* sub = app.add_subcommand(
      "report", "Report of an experiment: tables, significance, charts, predictions, receptive fields, findings");
  sub->add_option("experiment", experiment, "experiment name (as stored by atrous sweep)")->required();
  sub->add_option("-o,--output", output, "report file (default: reports/<experiment>.md); its files go in a folder "
                                         "of the same name beside it");
  sub->add_option("--db", db, "results database")->capture_default_str();
  sub->add_option("--format", format, "md, or html (writes both)")->check(CLI::IsMember({"md", "html"}))->capture_default_str();
  sub->add_flag("--no-charts", no_charts, "skip the SVG charts");
  sub->add_flag("--no-predictions", no_predictions,
                "skip the prediction grid, or for audio the generated clips (needs the runs' checkpoints)");
  sub->add_flag("--no-rf", no_rf, "skip the effective receptive fields (needs the runs' checkpoints)");
  sub->add_option("--images", images, "validation images in the prediction grid")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_option("--audio-seconds", audio_seconds, "audio studies: length of each generated and data clip")
      ->check(CLI::Range(0.05, 600.0))
      ->capture_default_str();
  sub->callback([] {
    auto s = store::Store::open_read_only(db);
    const auto data = report::load_report_data(s, experiment, db);
    // The default file is named after the experiment, so the name must be a safe
    // file name (store/experiment_name.hpp): "../x" would leave reports/.
    if (output.empty())
      if (auto problem = store::experiment_name_problem(experiment))
        throw Error(fmt::format("experiment '{}' cannot name the report file: {}; choose the file with -o", experiment,
                                *problem),
                    Error::Kind::usage);
    const std::filesystem::path path =
        output.empty() ? std::filesystem::path("reports") / (experiment + ".md") : std::filesystem::path(output);
    report::WriteOptions options;
    options.charts = !no_charts;
    options.predictions = !no_predictions;
    options.receptive_fields = !no_rf;
    options.prediction_images = images;
    options.html = format == "html";
    options.audio_seconds = audio_seconds;
    const auto written = report::write_report(data, path, options);
    fmt::print("{}\n", written.report.string());
  });
}

}  // namespace atrous::cli
