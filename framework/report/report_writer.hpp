#pragma once
// Writes a report and the files it links: REPORT.md beside a folder of the same
// stem holding, per grid point (a subfolder named after it when there is a grid),
// the charts (report_charts.hpp) and predictions.png (prediction_grid.hpp) — or,
// for audio, a WAV and a waveform/spectrogram PNG per clip (audio_clips.hpp) — and
// measures each group's effective receptive field from its checkpoint. Links are
// relative, so the report renders where it lies (GitHub, an editor's preview).
#include <filesystem>
#include <string>
#include <vector>

#include "report/markdown_report.hpp"
#include "report/report_data.hpp"

namespace atrous::report {

struct WriteOptions {
  bool charts = true;
  bool predictions = true;       // needs the runs' checkpoints
  bool receptive_fields = true;  // needs the runs' checkpoints
  int64_t prediction_images = 4;
  int64_t zoom = 2;
  bool html = false;             // also writes REPORT.html (markdown_html.hpp)
  // Sequence models (audio): with `predictions`, each group's generated audio
  // (report/audio_clips.hpp) replaces the prediction grid, and the 2-D effective
  // receptive field is not measured (the theoretical one, in samples and ms,
  // is in the results and the audio table).
  double audio_seconds = 2.0;
};

struct WrittenReport {
  std::filesystem::path report;              // the markdown file
  std::vector<std::filesystem::path> files;  // everything written, the report last
};

// `report` is the markdown file's path; its parent folder is created.
WrittenReport write_report(const ReportData& data, const std::filesystem::path& report, const WriteOptions& options);

// The effective receptive fields of one grid point's groups (first done run with a
// checkpoint each); groups without one get a line in `notes`.
std::vector<ErfRow> measure_receptive_fields(const ReportData& at, std::vector<std::string>& notes);

}  // namespace atrous::report
