#pragma once
// Line and scatter charts as standalone SVG 1.1 text for reports: axes with
// "nice" 1-2-5 ticks, axis labels, a legend, a categorical palette, optional
// bands (e.g. min..max over seeds) and error bars. Output is deterministic
// (fixed number formatting) so reports regenerate byte-identically.
#include <optional>
#include <string>
#include <vector>

namespace atrous::report {

struct Series {
  std::string label;
  std::vector<double> x, y;         // points, drawn in the given order; NaN/inf points are skipped
  std::vector<double> low, high;    // optional band (same size as x), drawn translucent under the line
  std::vector<double> err;          // optional symmetric error bars (same size as x)
};

struct ChartSpec {
  enum class Kind { line, scatter };
  std::string title, x_label, y_label;
  Kind kind = Kind::line;           // line: polyline + small markers; scatter: markers only, each labelled with the series label
  bool log_x = false;               // log10 x axis (ticks at 1-2-5 × powers of ten); non-positive x skipped
  std::optional<double> y_min, y_max, x_min, x_max;  // default: the data range (incl. bands / error bars) padded 5%
  int width = 640, height = 400;
};

// The whole SVG document (starts with "<svg", xmlns set, viewBox and width/height set, a <title> child).
std::string svg_chart(const ChartSpec& spec, const std::vector<Series>& series);

// "Nice" axis ticks covering [lo, hi]: about `target` values at steps of 1, 2 or 5 × 10^k.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

}  // namespace atrous::report
