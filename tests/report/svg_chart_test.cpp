#include "report/svg_chart.hpp"

#include "support/xml_document.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace atrous::report {
namespace {

using testing::Doc;
using testing::Element;
using testing::parse_xml;
using testing::parses_as_xml;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Doc parse_or_fail(const std::string& svg) {
  Doc doc;
  std::string error;
  EXPECT_TRUE(parse_xml(svg, &doc, &error)) << error << "\n" << svg;
  return doc;
}

std::size_t count(const Doc& doc, const std::string& name, const std::string& cls) {
  return static_cast<std::size_t>(std::count_if(doc.elements.begin(), doc.elements.end(), [&](const Element& e) {
    auto it = e.attrs.find("class");
    return e.name == name && it != e.attrs.end() && it->second == cls;
  }));
}

std::vector<const Element*> find_all(const Doc& doc, const std::string& name, const std::string& cls) {
  std::vector<const Element*> out;
  for (const Element& e : doc.elements) {
    auto it = e.attrs.find("class");
    if (e.name == name && it != e.attrs.end() && it->second == cls) out.push_back(&e);
  }
  return out;
}

std::vector<std::string> legend_texts(const Doc& doc) {
  std::vector<std::string> out;
  for (const Element& e : doc.elements)
    if (e.name == "text" && e.parent >= 0 && doc.elements[e.parent].attrs.count("class") &&
        doc.elements[e.parent].attrs.at("class") == "legend")
      out.push_back(e.text);
  return out;
}

std::vector<std::string> all_texts(const Doc& doc) {
  std::vector<std::string> out;
  for (const Element& e : doc.elements)
    if (e.name == "text" || e.name == "title") out.push_back(e.text);
  return out;
}

bool has_text(const Doc& doc, const std::string& t) {
  const auto texts = all_texts(doc);
  return std::find(texts.begin(), texts.end(), t) != texts.end();
}

std::vector<std::pair<double, double>> parse_points(const std::string& points) {
  std::vector<std::pair<double, double>> out;
  std::istringstream in(points);
  std::string pair;
  while (in >> pair) {
    const auto comma = pair.find(',');
    out.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
  }
  return out;
}

void expect_no_nan_inf(const std::string& svg) {
  std::string lower = svg;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(lower.find("nan"), std::string::npos) << svg;
  EXPECT_EQ(lower.find("inf"), std::string::npos) << svg;
}

// The document is well-formed, rooted at <svg> with the attributes standalone viewers need.
Doc check_document(const std::string& svg) {
  Doc doc = parse_or_fail(svg);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  if (doc.elements.empty()) return doc;
  const Element& root = doc.elements[0];
  EXPECT_EQ(root.name, "svg");
  EXPECT_EQ(root.attrs.count("xmlns") ? root.attrs.at("xmlns") : "", "http://www.w3.org/2000/svg");
  EXPECT_TRUE(root.attrs.count("viewBox") && root.attrs.count("width") && root.attrs.count("height"));
  EXPECT_TRUE(std::any_of(doc.elements.begin(), doc.elements.end(),
                          [](const Element& e) { return e.name == "title" && e.parent == 0; }));
  expect_no_nan_inf(svg);
  return doc;
}

Series make_series(std::string label, std::vector<double> x, std::vector<double> y) {
  Series s;
  s.label = std::move(label);
  s.x = std::move(x);
  s.y = std::move(y);
  return s;
}

std::vector<Series> banded_lines() {
  Series a = make_series("baseline", {1, 2, 3, 4}, {0.5, 0.6, 0.7, 0.72});
  a.low = {0.45, 0.55, 0.66, 0.70};
  a.high = {0.55, 0.65, 0.74, 0.75};
  Series b = make_series("atrous r=2", {1, 2, 3, 4}, {0.55, 0.66, 0.74, 0.78});
  b.low = {0.5, kNaN, 0.7, 0.76};
  b.high = {0.6, 0.7, 0.78, 0.8};
  return {a, b};
}

TEST(NiceTicks, ZeroToOneStepsByFifths) {
  const auto t = nice_ticks(0, 1);
  const std::vector<double> want = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
  ASSERT_EQ(t.size(), want.size());
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], want[i], 1e-12);
}

TEST(NiceTicks, NarrowRangeUsesNiceStepInsideRange) {
  const auto t = nice_ticks(0.73, 0.91);
  ASSERT_GE(t.size(), 3u);
  const double step = t[1] - t[0];
  EXPECT_TRUE(std::fabs(step - 0.02) < 1e-12 || std::fabs(step - 0.05) < 1e-12) << step;
  for (double v : t) {
    EXPECT_GE(v, 0.73 - 1e-12);
    EXPECT_LE(v, 0.91 + 1e-12);
    const double k = v / step;
    EXPECT_NEAR(k, std::round(k), 1e-9) << v;
  }
}

TEST(NiceTicks, EqualEndsTerminateAndBracketTheValue) {
  for (double v : {5.0, 0.0, -3.0, 1e-9}) {
    const auto t = nice_ticks(v, v);
    ASSERT_GE(t.size(), 1u) << v;
    EXPECT_LE(t.size(), 20u) << v;
    EXPECT_LE(t.front(), v) << v;
    EXPECT_GE(t.back(), v) << v;
    for (double x : t) EXPECT_TRUE(std::isfinite(x));
  }
}

TEST(NiceTicks, NegativeAndReversedRanges) {
  const auto t = nice_ticks(-3, -1);
  ASSERT_GE(t.size(), 3u);
  EXPECT_NEAR(t.front(), -3, 1e-12);
  EXPECT_NEAR(t.back(), -1, 1e-12);
  for (std::size_t i = 1; i < t.size(); ++i) EXPECT_LT(t[i - 1], t[i]);
  const auto u = nice_ticks(-7, 12);
  EXPECT_TRUE(std::find(u.begin(), u.end(), 0.0) != u.end());
  EXPECT_EQ(nice_ticks(12, -7), u);
}

TEST(NiceTicks, NonFiniteAndExtremeInputsDoNotHang) {
  EXPECT_TRUE(nice_ticks(kNaN, 1).empty());
  EXPECT_TRUE(nice_ticks(0, kInf).empty());
  EXPECT_LE(nice_ticks(1, 1 + 1e-15).size(), 1000u);
  EXPECT_LE(nice_ticks(-1e308, 1e308).size(), 1000u);
  EXPECT_LE(nice_ticks(0, 1, 0).size(), 10u);
}

TEST(SvgChart, LineChartWithBands) {
  ChartSpec spec;
  spec.title = "Validation mIoU";
  spec.x_label = "epoch";
  spec.y_label = "mIoU";
  const auto series = banded_lines();
  const std::string svg = svg_chart(spec, series);
  const Doc doc = check_document(svg);
  for (const char* cls : {"series-0", "series-1"}) {
    EXPECT_EQ(count(doc, "polyline", cls), 1u) << cls;
    EXPECT_EQ(count(doc, "polygon", cls), 1u) << cls;
    EXPECT_EQ(count(doc, "circle", cls), 4u) << cls;
  }
  EXPECT_EQ(legend_texts(doc), (std::vector<std::string>{"baseline", "atrous r=2"}));
  EXPECT_TRUE(has_text(doc, "Validation mIoU"));
  EXPECT_TRUE(has_text(doc, "epoch"));
  EXPECT_TRUE(has_text(doc, "mIoU"));
  EXPECT_FALSE(has_text(doc, "no data"));
  // Band b drops the point whose low is NaN on both edges: 3 highs forward + 3 lows back.
  EXPECT_EQ(parse_points(find_all(doc, "polygon", "series-1")[0]->attrs.at("points")).size(), 6u);
  EXPECT_EQ(parse_points(find_all(doc, "polygon", "series-0")[0]->attrs.at("points")).size(), 8u);
  // Distinct colours per series.
  EXPECT_NE(find_all(doc, "polyline", "series-0")[0]->attrs.at("stroke"),
            find_all(doc, "polyline", "series-1")[0]->attrs.at("stroke"));
  EXPECT_EQ(svg, svg_chart(spec, series));  // deterministic
}

TEST(SvgChart, PaletteWrapsAfterTenSeries) {
  std::vector<Series> series;
  for (int i = 0; i < 11; ++i) series.push_back(make_series("s" + std::to_string(i), {0, 1}, {double(i), double(i + 1)}));
  const Doc doc = check_document(svg_chart({}, series));
  EXPECT_EQ(find_all(doc, "polyline", "series-0")[0]->attrs.at("stroke"),
            find_all(doc, "polyline", "series-10")[0]->attrs.at("stroke"));
  EXPECT_EQ(legend_texts(doc).size(), 11u);
}

TEST(SvgChart, ScatterWithErrorBarsLabelsEachPoint) {
  ChartSpec spec;
  spec.kind = ChartSpec::Kind::scatter;
  spec.title = "mIoU vs receptive field";
  Series a = make_series("dilated", {35, 67, 131}, {0.61, 0.66, 0.69});
  a.err = {0.01, 0.02, kNaN};
  Series b = make_series("plain", {19}, {0.55});
  b.err = {0.03};
  const Doc doc = check_document(svg_chart(spec, {a, b}));
  EXPECT_EQ(count(doc, "polyline", "series-0"), 0u);
  EXPECT_EQ(count(doc, "circle", "series-0"), 3u);
  EXPECT_EQ(count(doc, "circle", "series-1"), 1u);
  EXPECT_EQ(count(doc, "line", "series-0"), 6u);  // two bars with two caps each; the NaN error has none
  EXPECT_EQ(count(doc, "line", "series-1"), 3u);
  const auto labels = find_all(doc, "text", "series-0");
  ASSERT_EQ(labels.size(), 3u);
  for (const Element* e : labels) EXPECT_EQ(e->text, "dilated");
  EXPECT_EQ(legend_texts(doc), (std::vector<std::string>{"dilated", "plain"}));
}

TEST(SvgChart, LogXTicksAtPowersOfTen) {
  ChartSpec spec;
  spec.log_x = true;
  spec.x_label = "learning-rate multiplier";
  const std::string svg = svg_chart(spec, {make_series("run", {1, 3, 10, 30, 100, -5, 0}, {1, 2, 3, 4, 5, 6, 7})});
  const Doc doc = check_document(svg);
  for (const char* want : {"1", "10", "100"}) EXPECT_TRUE(has_text(doc, want)) << want;
  // Non-positive x are skipped on a log axis.
  EXPECT_EQ(count(doc, "circle", "series-0"), 5u);
  const auto pts = parse_points(find_all(doc, "polyline", "series-0")[0]->attrs.at("points"));
  ASSERT_EQ(pts.size(), 5u);
  // Equal ratios map to equal distances: 1→10 spans as many pixels as 10→100.
  EXPECT_NEAR(pts[2].first - pts[0].first, pts[4].first - pts[2].first, 0.02);
}

TEST(SvgChart, PixelOrientationFollowsData) {
  const std::string svg = svg_chart({}, {make_series("up", {0, 1, 2, 3}, {-1, 0, 2, 5})});
  const Doc doc = check_document(svg);
  const auto polylines = find_all(doc, "polyline", "series-0");
  ASSERT_EQ(polylines.size(), 1u);
  const auto pts = parse_points(polylines[0]->attrs.at("points"));
  ASSERT_EQ(pts.size(), 4u);
  for (std::size_t i = 1; i < pts.size(); ++i) {
    EXPECT_GT(pts[i].first, pts[i - 1].first);
    EXPECT_LT(pts[i].second, pts[i - 1].second);  // SVG y grows downward
  }
  const double w = std::stod(doc.elements[0].attrs.at("width")), h = std::stod(doc.elements[0].attrs.at("height"));
  for (const auto& [x, y] : pts) {
    EXPECT_GT(x, 0);
    EXPECT_LT(x, w);
    EXPECT_GT(y, 0);
    EXPECT_LT(y, h);
  }
}

TEST(SvgChart, CoordinatesHaveAtMostTwoDecimals) {
  ChartSpec spec;
  spec.width = 613;
  spec.height = 377;
  const std::string svg = svg_chart(spec, banded_lines());
  const Doc doc = check_document(svg);
  const std::regex number(R"(-?\d+(\.\d{1,2})?)");
  for (const Element& e : doc.elements)
    for (const auto& [key, value] : e.attrs) {
      if (key == "points") {
        std::istringstream in(value);
        std::string pair;
        while (in >> pair) {
          const auto comma = pair.find(',');
          EXPECT_TRUE(std::regex_match(pair.substr(0, comma), number)) << pair;
          EXPECT_TRUE(std::regex_match(pair.substr(comma + 1), number)) << pair;
        }
      } else if (key == "x" || key == "y" || key == "cx" || key == "cy" || key == "x1" || key == "x2" || key == "y1" ||
                 key == "y2") {
        EXPECT_TRUE(std::regex_match(value, number)) << key << "=" << value;
      }
    }
}

TEST(SvgChart, DegenerateInputsStillDrawAxes) {
  struct Case {
    std::string name;
    std::vector<Series> series;
    bool no_data;
  };
  const std::vector<Case> cases = {
      {"no series", {}, true},
      {"empty series", {make_series("empty", {}, {})}, true},
      {"all NaN", {make_series("nan", {kNaN, 1, kInf}, {1, kNaN, -kInf})}, true},
      {"mismatched sizes", {make_series("short", {1, 2, 3}, {1})}, false},
      {"one point", {make_series("one", {3}, {0.7})}, false},
      {"all equal y", {make_series("flat", {0, 1, 2}, {4, 4, 4})}, false},
      {"all zero", {make_series("zero", {0, 0}, {0, 0})}, false},
      {"huge", {make_series("huge", {-1e308, 1e308}, {1e308, -1e308})}, false},
      {"tiny", {make_series("tiny", {0, 1e-300}, {5e-324, 5e-324})}, false},
  };
  for (const auto& kind : {ChartSpec::Kind::line, ChartSpec::Kind::scatter})
    for (bool log_x : {false, true})
      for (const Case& c : cases) {
        SCOPED_TRACE(c.name + (log_x ? " log" : "") + (kind == ChartSpec::Kind::scatter ? " scatter" : " line"));
        ChartSpec spec;
        spec.kind = kind;
        spec.log_x = log_x;
        const std::string svg = svg_chart(spec, c.series);
        const Doc doc = check_document(svg);
        // Axis frame and some tick labels are always there.
        EXPECT_GE(std::count_if(doc.elements.begin(), doc.elements.end(),
                                [](const Element& e) { return e.name == "line"; }),
                  2);
        if (c.no_data) {
          EXPECT_TRUE(has_text(doc, "no data"));
          EXPECT_TRUE(legend_texts(doc).empty());
        }
      }
  // A single flat value gets a usable axis around it, not a zero-height one.
  const Doc flat = check_document(svg_chart({}, {make_series("flat", {0, 1, 2}, {4, 4, 4})}));
  const auto pts = parse_points(find_all(flat, "polyline", "series-0")[0]->attrs.at("points"));
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_TRUE(has_text(flat, "4"));
  EXPECT_LT(pts[0].first, pts[2].first);
}

TEST(SvgChart, UserAxisLimitsAreHonouredAndSafe) {
  ChartSpec spec;
  spec.y_min = 0;
  spec.y_max = 1;
  const Doc doc = check_document(svg_chart(spec, banded_lines()));
  EXPECT_TRUE(has_text(doc, "0"));
  EXPECT_TRUE(has_text(doc, "1"));
  ChartSpec crossed;
  crossed.y_min = 10;
  crossed.y_max = -10;
  crossed.x_min = kNaN;
  crossed.log_x = true;
  crossed.x_max = -1;
  check_document(svg_chart(crossed, banded_lines()));
  ChartSpec tiny_canvas;
  tiny_canvas.width = 0;
  tiny_canvas.height = -5;
  check_document(svg_chart(tiny_canvas, banded_lines()));
}

TEST(SvgChart, HostileLabelsRoundTrip) {
  const std::string hostile = "a<b & 'c' \"d\" > ]]> &amp; <!-- x -->";
  ChartSpec spec;
  spec.title = hostile;
  spec.x_label = hostile;
  spec.y_label = hostile;
  for (const auto kind : {ChartSpec::Kind::line, ChartSpec::Kind::scatter}) {
    spec.kind = kind;
    const std::string svg = svg_chart(spec, {make_series(hostile, {1, 2}, {3, 4}), make_series("ünïcødé µ", {1}, {2})});
    EXPECT_EQ(svg.find("a<b"), std::string::npos);
    const Doc doc = check_document(svg);
    EXPECT_EQ(legend_texts(doc), (std::vector<std::string>{hostile, "ünïcødé µ"}));
    const auto texts = all_texts(doc);
    EXPECT_GE(std::count(texts.begin(), texts.end(), hostile), 4);  // <title>, title, axis labels, legend
  }
  // Bytes XML cannot carry are replaced, never emitted.
  const std::string binary = std::string("ctl\x01\x1f tab\t bad\xff\xc3 surrogate\xed\xa0\x80 end");
  std::string error;
  spec.title = binary;
  const std::string svg = svg_chart(spec, {make_series(binary, {1}, {1})});
  EXPECT_TRUE(parses_as_xml(svg, &error)) << error;
}

TEST(SvgChart, NaNInputsNeverPrintNaN) {
  Series s = make_series("holes", {0, 1, kNaN, 3, 4, kInf}, {1, kNaN, 2, 3, -kInf, 5});
  s.low = {0.5, kNaN, 1, kInf, 3, 4};
  s.high = {1.5, 2, kNaN, 3.5, 5, 6};
  s.err = {kNaN, 0.1, kInf, 0.2, 0.3, 0.4};
  for (const auto kind : {ChartSpec::Kind::line, ChartSpec::Kind::scatter}) {
    ChartSpec spec;
    spec.kind = kind;
    spec.y_max = kNaN;
    const Doc doc = check_document(svg_chart(spec, {s}));
    EXPECT_EQ(count(doc, "circle", "series-0"), 2u);  // (0, 1) and (3, 3)
  }
}

}  // namespace
}  // namespace atrous::report
