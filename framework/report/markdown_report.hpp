#pragma once
// `atrous report`: a markdown report of one experiment, written from the
// results database only (report_data.hpp) plus what report_writer.hpp measured
// from the runs' checkpoints (prediction grid, effective receptive fields) and
// the charts it drew. Sections: title and what was compared (each variant as
// written in the spec, its resolved config diff from the baseline, and for a
// staged variant the run it was initialised from and its frozen layers), a
// "still running" notice when runs are queued or running, setup (dataset,
// recipe, seeds, hardware, total compute), the main table (mean ± std and 95% CI
// over seeds, best per column in bold), per-class IoU, significance against the
// baseline (Welch's t-test), charts, receptive fields, predictions, failed /
// interrupted / missing runs with their reasons, and findings stated from the
// numbers alone. A sweep with a grid has one subsection per grid point.
//
// This file only words what report/analysis.hpp concluded (comparisons and
// verdicts, ranking, rising curves, problem and missing runs). Every number is
// the database's value (or its mean / std / CI over the done runs) printed in
// the metric catalogue's format (eval/metric_catalogue.hpp: metrics 4 decimals,
// img/s 1, wall seconds 2).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/report_data.hpp"

namespace atrous::report {

// A picture beside the report: `path` relative to the report file.
struct Figure {
  std::string path, caption;
};

// The receptive field of one group's network: theoretical, and effective (95%
// mass square side, area above 10% of the peak, gridding score) with random and
// with the first done run's trained weights.
struct ErfRow {
  std::string label, input, theoretical;
  std::optional<int64_t> random_side95, trained_side95, trained_area10;
  std::optional<double> trained_gridding;
  bool capped = false;  // measured on an input smaller than the field (RfRequest::max_side)
};

// One clip of the audio section (report/audio_clips.hpp): a reference (the
// data, white noise) or a group's generated audio, with its measurements.
struct AudioRow {
  std::string label, source;
  std::string wav, picture;  // relative to the report
  bool reference = false;
  double seconds = 0, rms_dbfs = 0, zero_crossings_per_second = 0, spectral_centroid_hz = 0;
  std::optional<double> distance_db;  // log-spectral distance to the first data excerpt
  // Generated clips only: the generation rates, and whether the naive reference
  // drew the same codes as the fast path over its naive_samples.
  std::optional<double> fast_per_second, naive_per_second;
  int64_t naive_samples = 0;
  std::optional<bool> naive_matches;
  std::optional<int64_t> rf_samples;
  std::optional<double> rf_ms;
};

struct PointExtras {
  // What the writer was asked to skip (--no-charts, --no-predictions, --no-rf).
  bool charts_skipped = false, predictions_skipped = false, erf_skipped = false;
  std::vector<Figure> charts;
  std::optional<Figure> predictions;
  std::vector<ErfRow> erf;
  // Sequence models: generated audio instead of prediction grids and 2-D ERFs.
  std::vector<AudioRow> audio;
  // Why something could not be measured, per section.
  std::vector<std::string> erf_notes, prediction_notes, audio_notes;
};

// Keyed by grid point ({} without a grid).
using ReportExtras = std::map<std::map<std::string, std::string>, PointExtras>;

std::string markdown_report(const ReportData& data, const ReportExtras& extras = {});

}  // namespace atrous::report
