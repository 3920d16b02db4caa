// The report's "what was compared" names where a staged variant's weights came
// from and which layers it froze, read from the runs' stored configs.
#include "report/lineage.hpp"

#include <gtest/gtest.h>

#include "data/data_test_support.hpp"  // TempDir, contains
#include "report/markdown_report.hpp"
#include "report/report_data.hpp"
#include "report/report_test_support.hpp"

namespace atrous::report {
namespace {

using testing::TempDir;

TEST(ReportLineage, AStagedVariantNamesItsParentAndFrozenLayers) {
  TempDir dir("report_lineage");
  const std::string db = dir / "atrous.db";
  {
    auto s = store::Store::open(db);
    testing::fill_report_fixture(s);
    // "stage2" started from base seed 1's run (id "base1"), like a plan writes it.
    store::RunRecord r;
    r.id = "stage2_1";
    r.experiment = "abl";
    r.variant = "stage2";
    r.seed = 1;
    r.config_json = R"({"model": {"width": 8, "rates": [1,2]}, "train": {"seed": 1, "epochs": 2,
        "init": {"from": "run:base1", "layers": ["stack*", "head"]}, "freeze": ["stack*"]}})";
    s.upsert_run(r);
    r.id = "outside1";
    r.variant = "outside";
    r.config_json = R"({"model": {"width": 8, "rates": [1,2]}, "train": {"seed": 1, "epochs": 3,
        "init": {"from": "run:0123456789abcdef"}}})";
    s.upsert_run(r);
    r.id = "frozen1";
    r.variant = "frozen";
    r.config_json = R"({"model": {"width": 8, "rates": [1,2]}, "train": {"seed": 1, "epochs": 4, "freeze": ["head"]}})";
    s.upsert_run(r);
  }
  auto s = store::Store::open(db);
  const ReportData d = load_report_data(s, "abl");
  for (const auto& g : d.groups) {
    const auto l = lineage_of(g, d);
    if (g.variant == "stage2") {
      ASSERT_TRUE(l);
      EXPECT_EQ(l->parent_variant, "base");
      EXPECT_EQ(l->parent_run, "base1");
      EXPECT_EQ(l->layers, (std::vector<std::string>{"stack*", "head"}));
      EXPECT_EQ(l->frozen, std::vector<std::string>{"stack*"});
    } else if (g.variant == "base" || g.variant == "wide" || g.variant == "deep") {
      EXPECT_FALSE(l) << g.variant;
    }
  }
  const std::string md = markdown_report(d);
  const std::string title = md.substr(0, md.find("## Setup"));
  EXPECT_TRUE(testing::contains(title, "Initialised from **base**'s best checkpoint (its run at the same grid point "
                                       "and seed), layers `stack*`, `head`; frozen: `stack*`\n"))
      << title;
  EXPECT_TRUE(testing::contains(title, "Initialised from run `0123456789ab`'s best checkpoint (not a run of this "
                                       "experiment), all layers\n"))
      << title;
  EXPECT_TRUE(testing::contains(title, ". Frozen: `head`\n")) << title;
  EXPECT_TRUE(testing::contains(title, "- **wide**: sets `model.width: 16`; resolved: `model.width`: 8 → 16\n"))
      << title;  // a variant without lineage reads as before
}

}  // namespace
}  // namespace atrous::report
