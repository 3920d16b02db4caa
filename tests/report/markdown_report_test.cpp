// The markdown report on a fixture database (report_test_support.hpp): sections,
// numbers equal to independently computed statistics, failures, single seeds,
// running sweeps and findings.
#include "report/markdown_report.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "data/data_test_support.hpp"  // TempDir, contains
#include "report/markdown_html.hpp"
#include "report/report_charts.hpp"
#include "report/report_data.hpp"
#include "report/report_writer.hpp"
#include "report/report_test_support.hpp"
#include "report/stats.hpp"
#include "support/cli.hpp"
#include "support/xml_document.hpp"

namespace atrous::report {
namespace {

using testing::TempDir;

// The line of a markdown table whose first cell is `label`.
std::string table_row(const std::string& text, const std::string& label) {
  std::istringstream in(text);
  std::string line, found;
  while (std::getline(in, line))
    if (line.rfind("| " + label + " ", 0) == 0 && found.empty()) found = line;
  return found;
}

std::string section(const std::string& text, const std::string& heading) {
  const auto start = text.find(heading);
  if (start == std::string::npos) return "";
  const auto end = text.find("\n## ", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class Report : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::open(db_);
    testing::fill_report_fixture(s);
  }
  std::string report() {
    auto s = store::Store::open(db_);
    return markdown_report(load_report_data(s, "abl"));
  }
  TempDir dir_{"report"};
  std::string db_ = dir_ / "atrous.db";
};

TEST_F(Report, HasEverySection) {
  const std::string md = report();
  for (const char* heading : {"# Report: abl", "## Setup", "## Results", "## Per-class IoU",
                              "## Significance against the baseline", "## Failed, interrupted and missing runs",
                              "## Findings"})
    EXPECT_NE(md.find(heading), std::string::npos) << heading << "\n" << md;
  EXPECT_EQ(md.find("still running"), std::string::npos) << md;
}

TEST_F(Report, MainTableNumbersEqualIndependentStatistics) {
  const std::string md = report();
  const std::string results = section(md, "## Results");
  // The fixture's configs hold no buildable model: no GFLOPs / RF columns.
  EXPECT_FALSE(testing::contains(results, "GFLOPs")) << results;
  // wide: 0.76 0.79 0.82 -> mean 0.79, s = 0.03, CI half = 4.302653 · 0.03 / √3
  // (t(0.975, 2) = 4.302653 from the textbook table, not from stats.cpp).
  const double mean = (0.76 + 0.79 + 0.82) / 3;
  const double sd = std::sqrt(((0.76 - mean) * (0.76 - mean) + (0.82 - mean) * (0.82 - mean)) / 2);
  const double half = 4.302653 * sd / std::sqrt(3.0);
  const std::string wide = table_row(results, "wide");
  ASSERT_FALSE(wide.empty()) << results;
  // Best mIoU of the table: bold.
  EXPECT_TRUE(testing::contains(wide, fmt::format("**{:.4f} ± {:.4f}**", mean, sd))) << wide;
  EXPECT_TRUE(testing::contains(wide, fmt::format("[{:.4f}, {:.4f}]", mean - half, mean + half))) << wide;
  // pixel acc = miou + 0.1; boundary F = miou − 0.2 (same std).
  EXPECT_TRUE(testing::contains(wide, fmt::format("{:.4f} ± {:.4f}", mean + 0.1, sd))) << wide;
  EXPECT_TRUE(testing::contains(wide, fmt::format("{:.4f} ± {:.4f}", mean - 0.2, sd))) << wide;
  // train img/s: 101, 102, 103 -> 102.0 ± 1.0, below deep's single 201 (bold); params 2000.
  EXPECT_TRUE(testing::contains(wide, "| 102.0 ± 1.0 |")) << wide;
  EXPECT_TRUE(testing::contains(table_row(results, "deep"), "**201.0 ± n/a**")) << results;
  EXPECT_TRUE(testing::contains(wide, "| 2000 |")) << wide;
  const std::string base = table_row(results, "base");
  EXPECT_TRUE(testing::contains(base, "0.7200 ± 0.0200")) << base;
  EXPECT_FALSE(testing::contains(base, "**0.7200")) << base;
  // wall seconds 10, 20, 30 for base and wide; deep's single run (10 s) is the lowest mean.
  EXPECT_TRUE(testing::contains(base, "20.00 ± 10.00")) << base;
  EXPECT_TRUE(testing::contains(table_row(results, "deep"), "**10.00 ± n/a**")) << results;
}

// The spec's claims: a table of steps and a sentence per claim in the findings.
// wide − base per seed: 0.06, 0.07, 0.08 — paired t = 0.07/(0.01/√3), df 2,
// p = 1 − t/√(2 + t²) (the df-2 closed form); deep has one seed: untestable.
TEST_F(Report, ClaimsAreTestedPairedBySeed) {
  auto s = store::Store::open(db_);
  ReportData d = load_report_data(s, "abl");
  d.claims = {"wide > base", "deep > base"};
  const std::string md = markdown_report(d);
  const std::string claims = section(md, "## Claims");
  ASSERT_FALSE(claims.empty()) << md;
  const double t = 0.07 / (0.01 / std::sqrt(3.0));
  const double p = 1 - t / std::sqrt(2 + t * t);
  const std::string row = table_row(claims, "`wide > base`");
  EXPECT_TRUE(testing::contains(row, fmt::format("| paired | {:.2f} | 2.0 | {:.3f} |", t, p))) << row;
  EXPECT_TRUE(testing::contains(row, "| holds |")) << row;
  EXPECT_TRUE(testing::contains(table_row(claims, "`deep > base`"), "untestable: one seed")) << claims;
  const std::string findings = section(md, "## Findings");
  EXPECT_TRUE(testing::contains(findings, "The claim `wide > base` holds")) << findings;
  EXPECT_TRUE(testing::contains(findings, "The claim `deep > base` is not confirmed")) << findings;
  // Without claims, no section.
  EXPECT_EQ(report().find("## Claims"), std::string::npos);
}

TEST_F(Report, SingleSeedIsNotApplicable) {
  const std::string md = report();
  const std::string deep = table_row(section(md, "## Results"), "deep");
  EXPECT_TRUE(testing::contains(deep, "0.7500 ± n/a")) << deep;
  EXPECT_TRUE(testing::contains(deep, "| n/a |")) << deep;  // no CI
  EXPECT_TRUE(testing::contains(table_row(section(md, "## Significance"), "deep"), "n/a (one seed)")) << md;
}

TEST_F(Report, SignificanceIsWelchsTest) {
  const std::string row = table_row(section(report(), "## Significance"), "wide");
  const auto w = welch_t_test({0.76, 0.79, 0.82}, {0.70, 0.72, 0.74});
  ASSERT_TRUE(w.has_value());
  EXPECT_TRUE(testing::contains(row, fmt::format("| {:.3f} |", w->p))) << row;
  EXPECT_TRUE(testing::contains(row, fmt::format("{:+.4f}", 0.07))) << row;
  EXPECT_TRUE(testing::contains(row, w->p < 0.05 ? "significant at the 5% level, n=3" : "not significant at n=3"))
      << row;
}

TEST_F(Report, ListsFailedAndMissingRunsWithReasons) {
  const std::string problems = section(report(), "## Failed, interrupted and missing runs");
  EXPECT_TRUE(testing::contains(problems, "deep seed 2 (`deep2`): failed — diverged: loss is NaN at step 12")) << problems;
  EXPECT_TRUE(testing::contains(problems, "deep seed 3: missing")) << problems;
  EXPECT_FALSE(testing::contains(problems, "base seed")) << problems;
}

TEST_F(Report, ComparedSectionShowsConfigDiffWithoutSeed) {
  const std::string md = report();
  const std::string title = md.substr(0, md.find("## Setup"));
  EXPECT_TRUE(testing::contains(title, "- **base**: baseline")) << title;
  // What the spec says, then what changed in the resolved config.
  EXPECT_TRUE(testing::contains(title, "- **wide**: sets `model.width: 16`; resolved: `model.width`: 8 → 16")) << title;
  EXPECT_TRUE(testing::contains(title, "- **deep**: the base config; resolved: `model.rates[2]`: (none) → 4")) << title;
  EXPECT_FALSE(testing::contains(title, "train.seed")) << title;
}

TEST_F(Report, LongConfigDiffsAreCut) {
  {
    auto s = store::Store::open(db_);
    store::RunRecord r;
    r.id = "many1";
    r.experiment = "abl";
    r.variant = "many";
    r.seed = 1;
    // 8 (width) + 12 extra keys: 13 changes against base.
    std::string extra;
    for (int i = 0; i < 12; ++i) extra += fmt::format(R"(, "k{:02}": {})", i, i);
    r.config_json = fmt::format(R"({{"model": {{"width": 9, "rates": [1,2]{}}}, "train": {{"seed": 1, "epochs": 2}}}})", extra);
    s.upsert_run(r);
  }
  const std::string md = report();
  const std::string title = md.substr(0, md.find("## Setup"));
  // A model swap changes dozens of layer fields: counted, with the command that lists them.
  EXPECT_TRUE(testing::contains(title, "- **many**: not in the stored spec; 13 resolved config values differ "
                                       "(`atrous compare base1 many1` lists them)"))
      << title;
  EXPECT_FALSE(testing::contains(title, "model.k00")) << title;
  // With another database than the default, the command names it.
  auto s = store::Store::open(db_);
  const std::string other = markdown_report(load_report_data(s, "abl", db_));
  EXPECT_TRUE(testing::contains(other, "(`atrous compare base1 many1 --db " + db_ + "` lists them)")) << other;
}

TEST_F(Report, SetupNamesHardwareSeedsAndCompute) {
  const std::string setup = section(report(), "## Setup");
  EXPECT_TRUE(testing::contains(setup, "Seeds: 1, 2, 3")) << setup;
  EXPECT_TRUE(testing::contains(setup, "host testhost; ISA avx2; threads 2")) << setup;
  EXPECT_TRUE(testing::contains(setup, "atrous 0.1.0; oneDNN 2.6.3")) << setup;
  // 10+20+30 (base) + 10+20+30 (wide) + 10 (deep seed 1) = 130 s.
  EXPECT_TRUE(testing::contains(setup, "Total compute: 130.0 s")) << setup;
}

TEST_F(Report, FindingsNameTheBestVariantAndItsMargin) {
  const std::string findings = section(report(), "## Findings");
  EXPECT_TRUE(testing::contains(findings, "**wide** has the highest mean `val.miou`: 0.7900 (n=3)")) << findings;
  EXPECT_TRUE(testing::contains(findings, "baseline **base**: a margin of +0.0700")) << findings;
}

TEST_F(Report, RunningSweepSaysSo) {
  {
    auto s = store::Store::open(db_);
    store::RunRecord r;
    r.id = "deep3";
    r.experiment = "abl";
    r.variant = "deep";
    r.seed = 3;
    r.config_json = testing::fixture_config("deep", 3);
    s.upsert_run(r);
    s.set_status("deep3", store::RunStatus::running);
  }
  const std::string md = report();
  EXPECT_TRUE(testing::contains(md, "**This sweep is still running**: 1 of 9 runs")) << md;
  EXPECT_TRUE(testing::contains(section(md, "## Failed"), "deep seed 3 (`deep3`): running")) << md;
  EXPECT_FALSE(testing::contains(section(md, "## Failed"), "deep seed 3: missing")) << md;
}

TEST_F(Report, BaselineBestSaysNoVariantImproves) {
  {
    auto s = store::Store::open(db_);
    for (const char* id : {"base1", "base2", "base3"}) s.set_summaries(id, {{"val.miou", 0.95}});
  }
  const std::string findings = section(report(), "## Findings");
  EXPECT_TRUE(testing::contains(findings, "The baseline **base** has the highest mean")) << findings;
  EXPECT_TRUE(testing::contains(findings, "no variant has a higher mean")) << findings;
}

TEST_F(Report, UnknownExperimentIsAUsageError) {
  auto s = store::Store::open(db_);
  try {
    load_report_data(s, "nope");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    EXPECT_TRUE(testing::contains(e.what(), "no experiment 'nope'")) << e.what();
  }
}

// The markdown file's relative links ("](path)"), images and others.
std::vector<std::string> links(const std::string& md) {
  std::vector<std::string> out;
  for (std::size_t at = md.find("]("); at != std::string::npos; at = md.find("](", at + 2)) {
    const auto end = md.find(')', at);
    out.push_back(md.substr(at + 2, end - at - 2));
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(Report, CliWritesTheReportWithChartsWhoseLinksResolve) {
  const std::string out = dir_ / "out/abl.md";
  const auto cli = testing::run_atrous("report abl --db " + db_ + " -o " + out);
  EXPECT_EQ(cli.code, 0) << cli.out;
  EXPECT_EQ(cli.out, out + "\n");
  const std::string md = read_text(out);
  // The numbers are the ones markdown_report prints from the same database.
  EXPECT_EQ(section(md, "## Results"), section(report(), "## Results"));
  EXPECT_EQ(section(md, "## Findings"), section(report(), "## Findings"));
  // Both curve charts, linked relatively, existing, and well-formed XML; the
  // fixture's configs hold no model, so there is no receptive-field or FLOPs chart.
  const auto found = links(md);
  EXPECT_NE(std::find(found.begin(), found.end(), "abl/metric-vs-epoch.svg"), found.end()) << md;
  EXPECT_NE(std::find(found.begin(), found.end(), "abl/train-loss.svg"), found.end()) << md;
  EXPECT_EQ(std::find(found.begin(), found.end(), "abl/metric-vs-rf.svg"), found.end()) << md;
  for (const auto& link : found) {
    const std::string path = dir_ / ("out/" + link);
    EXPECT_TRUE(std::filesystem::is_regular_file(path)) << link;
    if (link.size() > 4 && link.substr(link.size() - 4) == ".svg") {
      std::string error;
      testing::Doc doc;
      EXPECT_TRUE(testing::parse_xml(read_text(path), &doc, &error)) << link << ": " << error;
      ASSERT_FALSE(doc.elements.empty());
      EXPECT_EQ(doc.elements.front().name, "svg");
    }
  }
  // Without checkpoints the report says why there are no predictions or effective fields.
  EXPECT_TRUE(testing::contains(section(md, "## Predictions"), "base: no done run with a checkpoint on disk")) << md;
  EXPECT_TRUE(testing::contains(section(md, "## Receptive fields"), "No effective receptive fields measured.")) << md;
}

TEST_F(Report, AReportPathNotEndingInMdIsAUsageError) {
  const auto cli = testing::run_atrous("report abl --db " + db_ + " -o " + (dir_ / "abl.txt"));
  EXPECT_EQ(cli.code, 2) << cli.out;
  EXPECT_TRUE(testing::contains(cli.out, "abl.txt must end in .md")) << cli.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "abl.txt"));
}

TEST_F(Report, ChartsCarryTheStoredCurves) {
  auto s = store::Store::open(db_);
  const auto charts = report_charts(load_report_data(s, "abl"));
  const auto it = std::find_if(charts.begin(), charts.end(), [](const ChartFile& c) { return c.name == "metric-vs-epoch.svg"; });
  ASSERT_NE(it, charts.end());
  testing::Doc doc;
  std::string error;
  ASSERT_TRUE(testing::parse_xml(it->svg, &doc, &error)) << error;
  // One line per group (base, wide, deep), each through its 3 epochs; a band for each.
  for (int series = 0; series < 3; ++series) {
    const std::string cls = fmt::format("series-{}", series);
    const auto n = std::count_if(doc.elements.begin(), doc.elements.end(), [&](const testing::Element& e) {
      return e.name == "circle" && e.attrs.count("class") && e.attrs.at("class") == cls;
    });
    EXPECT_EQ(n, 3) << cls;
  }
  std::vector<std::string> texts;
  for (const auto& e : doc.elements) texts.push_back(e.text);
  for (const char* label : {"base", "wide", "deep"})
    EXPECT_NE(std::find(texts.begin(), texts.end(), label), texts.end()) << label;
}

TEST_F(Report, FindingsSayWhenCurvesStillClimb) {
  const std::string findings = section(report(), "## Findings");
  // Every fixture curve gains 0.05 from epoch 2 to 3.
  EXPECT_TRUE(testing::contains(findings, "Still improving at the last evaluation")) << findings;
  EXPECT_TRUE(testing::contains(findings, "wide +0.0500 from epoch 2 to 3")) << findings;
  EXPECT_TRUE(testing::contains(findings, "Ranking by mean, best first: wide 0.7900, deep 0.7500, base 0.7200.")) << findings;
}

TEST_F(Report, FlatCurvesAreNotCalledImproving) {
  {
    auto s = store::Store::open(db_);
    for (const char* id : {"base1", "base2", "base3", "wide1", "wide2", "wide3", "deep1"})
      s.log_metrics(id, 30, 3, {{"val.miou", 0.5}}), s.log_metrics(id, 20, 2, {{"val.miou", 0.5}});
  }
  EXPECT_FALSE(testing::contains(section(report(), "## Findings"), "Still improving")) << report();
}

TEST_F(Report, HtmlFormatWritesAPageBesideTheMarkdown) {
  const std::string out = dir_ / "html/abl.md";
  const auto cli = testing::run_atrous("report abl --db " + db_ + " -o " + out + " --format html");
  EXPECT_EQ(cli.code, 0) << cli.out;
  const std::string html = read_text(dir_ / "html/abl.html");
  EXPECT_TRUE(testing::contains(html, "<h1>Report: abl</h1>")) << html;
  EXPECT_TRUE(testing::contains(html, "<img src=\"abl/metric-vs-epoch.svg\"")) << html;
  EXPECT_TRUE(testing::contains(html, "<td><strong>0.7900 ± 0.0300</strong></td>")) << html;
  EXPECT_TRUE(std::filesystem::exists(out));
}

TEST(ReportGrid, NamedGridPointsGetSubsectionsAndMissingTriplesAreListed) {
  TempDir dir("report_grid");
  auto s = store::Store::open(dir / "atrous.db");
  s.ensure_experiment("g", "", R"({"variants": {"a": {}, "b": {"model.width": 16}}, "seeds": [1],
                                   "grid": {"dataset": {"x": {}, "y": {"data.z": 1}}},
                                   "report": {"baseline": "a"}})");
  store::RuntimeInfo info;
  info.host = "h";
  // a@x, b@x, a@y done; b@y never planned into the database.
  const struct { const char* id; const char* variant; const char* point; double miou; } runs[] = {
      {"ax", "a", "x", 0.5}, {"bx", "b", "x", 0.6}, {"ay", "a", "y", 0.7}};
  for (const auto& r : runs) {
    store::RunRecord rec;
    rec.id = r.id;
    rec.experiment = "g";
    rec.variant = r.variant;
    rec.seed = 1;
    rec.grid_json = fmt::format(R"({{"dataset":"{}"}})", r.point);
    rec.config_json = fmt::format(R"({{"model": {{"width": {}}}, "train": {{"seed": 1}}}})",
                                  std::string(r.variant) == "a" ? 8 : 16);
    s.upsert_run(rec);
    s.claim_run(rec.id, info);
    s.set_status(rec.id, store::RunStatus::done);
    s.set_summaries(rec.id, {{"val.miou", r.miou}});
  }
  const std::string md = markdown_report(load_report_data(s, "g"));
  const std::string results = section(md, "## Results");
  const auto x = results.find("### dataset=x"), y = results.find("### dataset=y");
  ASSERT_NE(x, std::string::npos) << md;
  ASSERT_NE(y, std::string::npos) << md;
  // Within a point, rows are named by variant only.
  EXPECT_TRUE(testing::contains(table_row(results.substr(x, y - x), "b"), "0.6000")) << results;
  EXPECT_TRUE(table_row(results.substr(y), "b").empty()) << results;
  EXPECT_TRUE(testing::contains(md, "- grid `dataset`: **x** (as the base); **y** sets `data.z: 1`")) << md;
  EXPECT_TRUE(testing::contains(section(md, "## Failed"), "- b dataset=y seed 1: missing")) << md;
  EXPECT_FALSE(testing::contains(section(md, "## Failed"), "- a dataset=y seed 1: missing")) << md;
  const std::string findings = section(md, "## Findings");
  EXPECT_TRUE(testing::contains(findings, "**dataset=x.** **b** has the highest mean")) << findings;
  EXPECT_TRUE(testing::contains(findings, "**dataset=y.** The baseline **a** has the highest mean")) << findings;
}

// The default report file is named after the experiment: a stored name that is
// not a safe file name ("../../evil", an absolute path) is refused before anything
// is written, and -o still reports such an experiment.
TEST_F(Report, AnUnsafeExperimentNameDoesNotLeaveReports) {
  {
    auto s = store::Store::open(db_);
    s.ensure_experiment("../../evil", "", R"({"variants": {"base": {}}, "seeds": [1]})");
    store::RunRecord rec;
    rec.id = "e1";
    rec.experiment = "../../evil";
    rec.variant = "base";
    rec.seed = 1;
    s.upsert_run(rec);
    s.ensure_experiment(dir_ / "abs", "", R"({"variants": {"base": {}}, "seeds": [1]})");
    rec.id = "e2";
    rec.experiment = dir_ / "abs";
    s.upsert_run(rec);
  }
  const std::string cwd = dir_ / "work/a/b";
  std::filesystem::create_directories(cwd);
  for (const std::string& name : std::vector<std::string>{"../../evil", dir_ / "abs"}) {
    const std::string cmd = "cd '" + cwd + "' && " + ATROUS_BINARY + " report '" + name + "' --db " + db_ + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    EXPECT_EQ(WEXITSTATUS(status), 2) << out;
    EXPECT_TRUE(testing::contains(out, "cannot name the report file")) << out;
    EXPECT_TRUE(testing::contains(out, "choose the file with -o")) << out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "work/evil.md"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "work/evil"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "abs.md"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "abs"));
  const auto cli = testing::run_atrous("report ../../evil --no-charts --db " + db_ + " -o " + (dir_ / "ok/evil.md"));
  EXPECT_EQ(cli.code, 0) << cli.out;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "ok/evil.md"));
}

// Defence in depth: files beside the report stay in its folder even when a
// subfolder there is a symlink to somewhere else.
TEST(ReportWriter, RefusesToWriteOutsideTheReportsFolder) {
  TempDir dir("report_confine");
  auto s = store::Store::open(dir / "atrous.db");
  s.ensure_experiment("g", "", R"({"variants": {"a": {}}, "seeds": [1], "grid": {"dataset": {"x": {}, "y": {}}}})");
  for (const char* point : {"x", "y"}) {
    store::RunRecord rec;
    rec.id = std::string("a") + point;
    rec.experiment = "g";
    rec.variant = "a";
    rec.seed = 1;
    rec.grid_json = fmt::format(R"({{"dataset":"{}"}})", point);
    s.upsert_run(rec);
    s.set_status(rec.id, store::RunStatus::done);
    s.log_metrics(rec.id, 1, 1, {{"val.miou", 0.5}, {"train.loss", 1.0}});
    s.log_metrics(rec.id, 2, 2, {{"val.miou", 0.6}, {"train.loss", 0.5}});
    s.set_summaries(rec.id, {{"val.miou", 0.6}});
  }
  const auto data = load_report_data(s, "g");
  std::filesystem::create_directories(dir / "out/g");
  std::filesystem::create_directories(dir / "elsewhere");
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "out/g/dataset-x");
  WriteOptions options;
  options.predictions = false;
  options.receptive_fields = false;
  try {
    write_report(data, dir / "out/g.md", options);
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_TRUE(testing::contains(e.what(), "lies outside the report's folder")) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir / "elsewhere"));
  std::filesystem::remove(dir / "out/g/dataset-x");
  const auto written = write_report(data, dir / "out/g.md", options);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "out/g/dataset-x/metric-vs-epoch.svg"));
}

// Text from the spec and the database is shown, never interpreted: raw HTML in
// a description, variant or option names, values, errors or the host becomes
// entities in the markdown (GitHub and editors' previews render raw HTML), code
// spans survive backticks, and the HTML page shows the same text.
TEST(ReportEscaping, SpecAndDatabaseTextCannotInjectHtml) {
  TempDir dir("report_escape");
  auto s = store::Store::open(dir / "atrous.db");
  const std::string evil_variant = "<img src=x onerror=alert(1)>";
  s.ensure_experiment("esc", "<script>alert('d')</script>\n<iframe src=//x></iframe> R&D",
                      nlohmann::json{{"variants", {{"base", nlohmann::json::object()},
                                                   {evil_variant, {{"model.note", "`a` <b>x</b>"}}}}},
                                     {"grid", {{"dataset", {{"<u>o</u>", nlohmann::json::object()}}}}},
                                     {"seeds", {1, 2}},
                                     {"report", {{"baseline", "base"}}}}
                          .dump());
  store::RuntimeInfo info;
  info.host = "<marquee>host</marquee>";
  const struct { const char* id; std::string variant; double miou; } runs[] = {{"r1", "base", 0.5}, {"r2", evil_variant, 0.6}};
  for (const auto& r : runs) {
    store::RunRecord rec;
    rec.id = r.id;
    rec.experiment = "esc";
    rec.variant = r.variant;
    rec.seed = 1;
    rec.grid_json = R"({"dataset":"<u>o</u>"})";
    rec.config_json = R"({"model": {"width": 8}, "train": {"seed": 1}})";
    s.upsert_run(rec);
    s.claim_run(rec.id, info);
    s.set_status(rec.id, store::RunStatus::done);
    s.set_summaries(rec.id, {{"val.miou", r.miou}, {"val.iou.<s>c</s>", r.miou}});
  }
  store::RunRecord failed;
  failed.id = "r3";
  failed.experiment = "esc";
  failed.variant = evil_variant;
  failed.seed = 2;
  failed.grid_json = R"({"dataset":"<u>o</u>"})";
  failed.config_json = "{}";
  s.upsert_run(failed);
  s.set_status("r3", store::RunStatus::failed, "<script>bad()</script>\n# not a heading");

  const std::string md = markdown_report(load_report_data(s, "esc"));
  for (const char* raw : {"<script", "<iframe", "<img", "<u>", "<s>", "<marquee", "\n# not a heading"})
    EXPECT_FALSE(testing::contains(md, raw)) << raw << "\n" << md;
  EXPECT_TRUE(testing::contains(md, "&lt;script&gt;alert('d')&lt;/script&gt;\n&lt;iframe src=//x&gt;&lt;/iframe&gt; R&amp;D"))
      << md;
  EXPECT_TRUE(testing::contains(md, "- **&lt;img src=x onerror=alert(1)&gt;**: sets ``model.note: `a` <b>x</b>``")) << md;
  EXPECT_TRUE(testing::contains(md, "### dataset=&lt;u&gt;o&lt;/u&gt;")) << md;
  EXPECT_TRUE(testing::contains(md, "host &lt;marquee&gt;host&lt;/marquee&gt;")) << md;
  EXPECT_TRUE(testing::contains(md, "failed — &lt;script&gt;bad()&lt;/script&gt; # not a heading")) << md;

  const std::string html = markdown_to_html(md, "esc");
  for (const char* raw : {"<script", "<iframe", "<img src=x", "<b>", "<u>", "<s>", "<marquee"})
    EXPECT_FALSE(testing::contains(html, raw)) << raw << "\n" << html;
  EXPECT_FALSE(testing::contains(html, "&amp;lt;")) << html;  // entities are not escaped twice
  EXPECT_TRUE(testing::contains(html, "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>: sets "
                                      "<code>model.note: `a` &lt;b&gt;x&lt;/b&gt;</code>"))
      << html;
}

}  // namespace
}  // namespace atrous::report
