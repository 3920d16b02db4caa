// A sweep's runs over several ranks (train.ranks): part of each run's config and id, carried into the manifest
// for launchers, and errors located in the spec (fewer than one rank; more ranks than a batch has samples; any
// ranks at all from a build without MPI).
#include <gtest/gtest.h>

#include "../data/data_test_support.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR
#include "core/error.hpp"
#include "sweep/manifest.hpp"
#include "sweep/plan.hpp"
#include "sweep/run_ranks.hpp"
#include "train/collective.hpp"

namespace atrous {
namespace {

using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// Lines: name 1, base 2-6, variants 7, the variants from 8.
std::string spec(const std::string& variants, const std::string& grid = "") {
  return "name: e\nbase:\n"
         "  model: " + config("models/dilated.yaml") + "\n"
         "  data: " + config("data/shapes.yaml") + "\n"
         "  train: " + config("train/quick.yaml") + "\n"
         "  set: {model.width: 4, data.image_size: 32, data.train.count: 16, train.epochs: 2, train.batch_size: 4}\n"
         "variants:\n" + variants + grid;
}

std::string plan_error(const std::string& path) {
  try {
    load_sweep_plan(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  return "(no error)";
}

TEST(SweepPlanRanks, RanksArePartOfTheRunAndOfTheManifest) {
  if (!Collective::built_with_mpi()) GTEST_SKIP() << "this build has no MPI: the spec is refused (next test)";
  TempDir dir("plan_ranks");
  const std::string path = dir.write("e.yaml", spec("  per_rank: {}\n  sync: {train.sync_bn: true}\n", "grid: {train.ranks: [1, 4]}\n"));
  const SweepPlan plan = load_sweep_plan(path);
  ASSERT_EQ(plan.runs.size(), 4u);
  // A scaling study: each variant over 1 and 4 ranks.
  std::vector<int> ranks;
  for (const auto& r : plan.runs) ranks.push_back(run_ranks(r.config.resolved));
  EXPECT_EQ(ranks, (std::vector<int>{1, 4, 1, 4}));
  EXPECT_FALSE(plan.runs[0].config.resolved["train"].contains("ranks")) << "one rank leaves the config as it was";
  const Manifest m = manifest_from_plan(plan, path);
  EXPECT_EQ(m.runs[1].ranks, 4);
  write_manifest(dir / "m/manifest.json", m);
  EXPECT_EQ(read_manifest(dir / "m/manifest.json").runs[1].ranks, 4);
}

TEST(SweepPlanRanks, ErrorsAreLocatedAtTheKey) {
  TempDir dir("plan_ranks_errors");
  EXPECT_TRUE(testing::contains(plan_error(dir.write("e.yaml", spec("  ok: {}\n  zero: {train.ranks: 0}\n"))),
                                "e.yaml:9:3: variant 'zero': "));
  EXPECT_TRUE(testing::contains(plan_error(dir.write("e.yaml", spec("  many: {train.ranks: 8}\n"))),
                                "'ranks' is 8 but batch_size is 4"));
  const std::string no_mpi = plan_error(dir.write("e.yaml", spec("  ok: {}\n  two: {train.ranks: 2}\n")));
  if (Collective::built_with_mpi()) {
    EXPECT_EQ(no_mpi, "(no error)");
  } else {
    EXPECT_TRUE(testing::contains(no_mpi, "e.yaml:9:9: run 'two seed=0' asks for 2 ranks (train.ranks) but this "
                                          "atrous was built without MPI"))
        << no_mpi;
  }
}

}  // namespace
}  // namespace atrous
