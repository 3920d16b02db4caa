// The markdown report on a fixture database (report_test_support.hpp): sections,
// numbers equal to independently computed statistics, failures, single seeds,
// running sweeps and findings.
#include "report/markdown_report.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "data/data_test_support.hpp"  // TempDir, contains
#include "report/report_data.hpp"
#include "report/report_test_support.hpp"
#include "report/stats.hpp"

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
  EXPECT_TRUE(testing::contains(title, "- **wide**: `model.width`: 8 → 16")) << title;
  EXPECT_TRUE(testing::contains(title, "`model.rates[2]`: (none) → 4")) << title;
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
  EXPECT_TRUE(testing::contains(title, "`model.width`: 8 → 9; `model.k00`")) << title;
  EXPECT_TRUE(testing::contains(title, "`model.k06`: (none) → 6; … and 5 more")) << title;
  EXPECT_FALSE(testing::contains(title, "model.k07")) << title;
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

TEST_F(Report, CliWritesTheFileAndPrintsItsPath) {
  const std::string out = dir_ / "out/abl.md";
  const std::string cmd = std::string(ATROUS_BINARY) + " report abl --db " + db_ + " -o " + out + " 2>&1";
  std::string printed;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) printed.append(buf.data(), n);
  const int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 0) << printed;
  EXPECT_EQ(printed, out + "\n");
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), report());
}

}  // namespace
}  // namespace atrous::report
