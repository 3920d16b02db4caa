#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace atrous::report {

namespace {

// Tableau 10: stays distinguishable for common colour-vision deficiencies and in greyscale print.
constexpr const char* kPalette[10] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

// Labels come from users (run names, config values), so besides the five metacharacters we
// replace what XML 1.0 forbids outright (C0 controls, malformed UTF-8, surrogates, U+FFFE/F):
// one bad byte would otherwise make the whole report unreadable to a browser.
std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? '?' : static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const std::size_t len = c >= 0xf8 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    std::uint32_t cp = c & (0x7fu >> len);
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xc0) == 0x80;
      cp = (cp << 6) | (b & 0x3f);
    }
    constexpr std::uint32_t kMinCodePoint[5] = {0, 0, 0x80, 0x800, 0x10000};  // shorter would be overlong
    ok = ok && cp >= kMinCodePoint[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) &&
         cp != 0xfffe && cp != 0xffff;
    out += ok ? s.substr(i, len) : std::string("?");
    i += ok ? len : 1;
  }
  return out;
}

// Two decimals are finer than a screen pixel; trimming zeros keeps files small and diffs quiet.
// Clamping keeps far-off-range points (user axis limits) finite; the clip path hides them.
std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt::format("{:.2f}", std::clamp(v, -1e6, 1e6));
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string tick_label(double v) { return fmt::format("{:.6g}", v + 0.0); }  // + 0.0: no "-0"

// Rough rendered width of a label in 11px sans-serif, for margins and the legend box.
double text_width(const std::string& s) {
  const auto chars = std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; });
  return 6.2 * static_cast<double>(chars);
}

struct Axis {
  double lo = 0, hi = 1;  // in axis space: log10 of the value on a log axis
  bool log = false;
  double p0 = 0, p1 = 1;  // pixels of lo and hi
  bool usable(double v) const { return std::isfinite(v) && (!log || v > 0); }
  double to_axis(double v) const { return log ? std::log10(v) : v; }
  double px(double v) const { return p0 + (to_axis(v) - lo) / (hi - lo) * (p1 - p0); }
};

// Zero-width data still needs an axis: pad it by ±5% of its magnitude, or ±0.5 around zero
// (and ±half a decade on a log axis, where 5% of the exponent means nothing).
double equal_pad(double v, bool log) { return (log || v == 0) ? 0.5 : 0.05 * std::fabs(v); }

void fit_range(Axis& a, double lo, double hi, std::optional<double> user_lo, std::optional<double> user_hi) {
  if (!(lo <= hi)) lo = 0, hi = 1;  // nothing to draw
  const double pad = hi > lo ? 0.05 * (hi - lo) : equal_pad(lo, a.log);
  lo -= pad, hi += pad;
  if (user_lo && a.usable(*user_lo)) lo = a.to_axis(*user_lo);
  if (user_hi && a.usable(*user_hi)) hi = a.to_axis(*user_hi);
  if (!(lo < hi) && std::isfinite(lo)) {  // user limits crossed the data or each other
    const double p = equal_pad(lo, a.log);
    hi = lo + p, lo -= p;
  }
  if (!std::isfinite(hi - lo) || !(hi - lo > 0)) lo = 0, hi = 1;  // overflow or subnormal span
  a.lo = lo, a.hi = hi;
}

// 1-2-5 per decade while they fit, else powers of ten (every n-th decade on very wide ranges);
// ranges inside one decade fall back to linear nice ticks, which are still correct positions.
std::vector<double> log_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (hi - lo > 600) return out;
  const bool fine = hi - lo <= target / 3.0;
  const double step = std::max(1.0, std::ceil((hi - lo) / std::max(target, 2)));
  for (double d = std::floor(lo / step) * step; d <= std::ceil(hi); d += step)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, d), a = std::log10(v);
      if ((m == 1 || fine) && a >= lo - 1e-9 && a <= hi + 1e-9) out.push_back(v);
    }
  if (out.size() >= 2) return out;
  out = nice_ticks(std::pow(10.0, lo), std::pow(10.0, hi), target);
  std::erase_if(out, [](double v) { return !(v > 0); });
  return out;
}

struct Point { double x, y; };

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {
    const double pad = equal_pad(lo, false);
    lo -= pad, hi += pad;
  }
  const double span = hi - lo;
  if (!std::isfinite(span) || !(span > 0)) return {lo};
  const double raw = span / std::max(target, 2);
  const int e = static_cast<int>(std::floor(std::log10(raw)));
  const double mag = std::pow(10.0, e), f = raw / mag;
  const double m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10, step = m * mag;
  if (std::fabs(lo) / step > 1e15 || std::fabs(hi) / step > 1e15) return {lo, hi};  // k would lose integrality
  // k·m / 10^-e instead of k·step: dividing by an exact power of ten gives the double nearest
  // the decimal tick (0.6, not 0.6000000000000001), so labels and comparisons see clean values.
  const auto value = [&](double k) { return e < 0 && e >= -22 ? k * m / std::pow(10.0, -e) : k * step; };
  std::vector<double> out;
  for (double k = std::ceil(lo / step - 1e-9); k <= std::floor(hi / step + 1e-9) && out.size() < 1000; ++k)
    out.push_back(value(k) + 0.0);
  return out;
}

std::string svg_chart(const ChartSpec& spec, const std::vector<Series>& series) {
  const double W = std::max(spec.width, 200), H = std::max(spec.height, 150);
  Axis ax{.log = spec.log_x}, ay;
  const bool scatter = spec.kind == ChartSpec::Kind::scatter;

  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  std::vector<bool> nonempty(series.size(), false);
  const auto take = [&](std::size_t s, double x, double y) {
    if (!ax.usable(x) || !std::isfinite(y)) return;
    nonempty[s] = true;
    x_lo = std::min(x_lo, ax.to_axis(x)), x_hi = std::max(x_hi, ax.to_axis(x));
    y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  };
  for (std::size_t s = 0; s < series.size(); ++s) {
    const Series& se = series[s];
    for (std::size_t i = 0; i < std::min(se.x.size(), se.y.size()); ++i) {
      take(s, se.x[i], se.y[i]);
      if (i < se.err.size() && std::isfinite(se.y[i]) && std::isfinite(se.err[i])) {
        take(s, se.x[i], se.y[i] - std::fabs(se.err[i]));
        take(s, se.x[i], se.y[i] + std::fabs(se.err[i]));
      }
    }
    for (std::size_t i = 0; i < std::min({se.x.size(), se.low.size(), se.high.size()}); ++i)
      if (std::isfinite(se.low[i]) && std::isfinite(se.high[i])) take(s, se.x[i], se.low[i]), take(s, se.x[i], se.high[i]);
  }
  const bool any = std::find(nonempty.begin(), nonempty.end(), true) != nonempty.end();
  fit_range(ax, x_lo, x_hi, spec.x_min, spec.x_max);
  fit_range(ay, y_lo, y_hi, spec.y_min, spec.y_max);

  // Margins follow the text they must hold: the widest y tick label, the legend's longest label.
  const double top = spec.title.empty() ? 16 : 36, bottom = H - (spec.x_label.empty() ? 30 : 46);
  ay.p0 = bottom, ay.p1 = top;
  const std::vector<double> yt = nice_ticks(ay.lo, ay.hi, std::max(3, static_cast<int>((bottom - top) / 50)));
  double y_label_w = 0, legend_w = 0;
  for (double t : yt) y_label_w = std::max(y_label_w, text_width(tick_label(t)));
  for (std::size_t s = 0; s < series.size(); ++s)
    if (nonempty[s]) legend_w = std::max(legend_w, std::min(W * 0.35, 38 + text_width(series[s].label)));
  const double left = (spec.y_label.empty() ? 14 : 30) + y_label_w, right = W - 14 - legend_w;
  ax.p0 = left, ax.p1 = right;
  const int x_target = std::max(2, static_cast<int>((right - left) / 80));
  const std::vector<double> xt = ax.log ? log_ticks(ax.lo, ax.hi, x_target) : nice_ticks(ax.lo, ax.hi, x_target);

  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"11\">\n<title>{2}</title>\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<defs><clipPath id=\"plot-area\"><rect x=\"{3}\" y=\"{4}\" width=\"{5}\" height=\"{6}\"/></clipPath></defs>\n",
      num(W), num(H), xml_escape(spec.title.empty() ? std::string("chart") : spec.title), num(left), num(top),
      num(right - left), num(bottom - top));

  o += "<g class=\"axes\" stroke-width=\"1\">\n";
  for (double t : yt) {
    const std::string py = num(ay.px(t));
    o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#e6e6e6\"/>\n", num(left), py, num(right));
    o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\"/>\n", num(left - 5), py, num(left));
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", num(left - 8), num(ay.px(t) + 4),
                     xml_escape(tick_label(t)));
  }
  for (double t : xt) {
    const std::string px = num(ax.px(t));
    o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e6e6e6\"/>\n", px, num(top), num(bottom));
    o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>\n", px, num(bottom), num(bottom + 5));
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px, num(bottom + 17),
                     xml_escape(tick_label(t)));
  }
  o += fmt::format("<polyline points=\"{0},{1} {0},{2} {3},{2}\" fill=\"none\" stroke=\"#333\"/>\n</g>\n", num(left),
                   num(top), num(bottom), num(right));

  // Bands of all series first, so no band veils another series' line.
  o += "<g clip-path=\"url(#plot-area)\">\n";
  for (std::size_t s = 0; s < series.size(); ++s) {
    const Series& se = series[s];
    std::vector<Point> hi_pts, lo_pts;
    for (std::size_t i = 0; i < std::min({se.x.size(), se.low.size(), se.high.size()}); ++i)
      if (ax.usable(se.x[i]) && std::isfinite(se.low[i]) && std::isfinite(se.high[i]))
        hi_pts.push_back({ax.px(se.x[i]), ay.px(se.high[i])}), lo_pts.push_back({ax.px(se.x[i]), ay.px(se.low[i])});
    if (hi_pts.size() < 2) continue;
    std::string pts;
    for (const Point& p : hi_pts) pts += num(p.x) + "," + num(p.y) + " ";
    for (auto it = lo_pts.rbegin(); it != lo_pts.rend(); ++it) pts += num(it->x) + "," + num(it->y) + " ";
    pts.pop_back();
    o += fmt::format("<polygon class=\"series-{}\" points=\"{}\" fill=\"{}\" fill-opacity=\"0.2\" stroke=\"none\"/>\n",
                     s, pts, kPalette[s % 10]);
  }
  for (std::size_t s = 0; s < series.size(); ++s) {
    const Series& se = series[s];
    const char* colour = kPalette[s % 10];
    std::vector<Point> pts;
    std::string marks, line_pts;
    for (std::size_t i = 0; i < std::min(se.x.size(), se.y.size()); ++i) {
      if (!ax.usable(se.x[i]) || !std::isfinite(se.y[i])) continue;
      const Point p{ax.px(se.x[i]), ay.px(se.y[i])};
      const std::string cx = num(p.x), cy = num(p.y);
      line_pts += (line_pts.empty() ? "" : " ") + cx + "," + cy;
      if (i < se.err.size() && std::isfinite(se.err[i])) {
        const std::string y0 = num(ay.px(se.y[i] - std::fabs(se.err[i]))), y1 = num(ay.px(se.y[i] + std::fabs(se.err[i])));
        const std::string c0 = num(p.x - 3), c1 = num(p.x + 3);
        marks += fmt::format("<line class=\"series-{0}\" x1=\"{1}\" y1=\"{2}\" x2=\"{1}\" y2=\"{3}\" stroke=\"{4}\"/>\n", s, cx, y0, y1, colour);
        for (const std::string& yc : {y0, y1})
          marks += fmt::format("<line class=\"series-{0}\" x1=\"{1}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" stroke=\"{4}\"/>\n", s, c0, yc, c1, colour);
      }
      marks += fmt::format("<circle class=\"series-{}\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"{}/>\n", s, cx, cy,
                           scatter ? "4" : "2.5", colour, scatter ? " stroke=\"white\"" : "");
      // Points in the right quarter get their label on the left so it stays inside the plot.
      if (scatter) {
        const bool flip = p.x > left + 0.75 * (right - left);
        marks += fmt::format("<text class=\"series-{}\" x=\"{}\" y=\"{}\" text-anchor=\"{}\" fill=\"#333\">{}</text>\n", s,
                             num(p.x + (flip ? -7 : 7)), num(p.y - 5), flip ? "end" : "start", xml_escape(se.label));
      }
    }
    if (!scatter && !line_pts.empty())
      o += fmt::format("<polyline class=\"series-{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" "
                       "stroke-linejoin=\"round\"/>\n", s, line_pts, colour);
    o += marks;
  }
  o += "</g>\n";

  if (!any)
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#888\" font-size=\"14\">no data</text>\n",
                     num((left + right) / 2), num((top + bottom) / 2));
  if (legend_w > 0) {
    o += "<g class=\"legend\">\n";
    double y = top + 8;
    for (std::size_t s = 0; s < series.size(); ++s) {
      if (!nonempty[s]) continue;
      o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", num(right + 14), num(y - 6),
                       kPalette[s % 10]);
      o += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(right + 32), num(y + 4), xml_escape(series[s].label));
      y += 18;
    }
    o += "</g>\n";
  }
  if (!spec.title.empty())
    o += fmt::format("<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
                     num(W / 2), xml_escape(spec.title));
  if (!spec.x_label.empty())
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num((left + right) / 2), num(H - 10),
                     xml_escape(spec.x_label));
  if (!spec.y_label.empty())
    o += fmt::format("<text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                     num((top + bottom) / 2), xml_escape(spec.y_label));
  return o + "</svg>\n";
}

}  // namespace atrous::report
