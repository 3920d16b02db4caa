// The recipe's `ranks` key: absent from the resolved run unless set (so existing run ids stay), at least 1,
// at most one rank per sample of a batch, and checked against the launcher by the trainer.
#include <gtest/gtest.h>

#include <fstream>

#include "../data/data_test_support.hpp"
#include "recipe_test_support.hpp"
#include "support/cli.hpp"
#include "train/recipe.hpp"

namespace atrous {
namespace {

using testing::TempDir;

using testing::recipe_error_of;

TEST(RecipeRanks, OneRankIsTheDefaultAndLeavesTheResolvedRunAsItWas) {
  const Recipe r = read_recipe(ConfigDoc::load_string("{}"));
  EXPECT_EQ(r.ranks, 1);
  EXPECT_FALSE(r.resolved().contains("ranks"));
  EXPECT_EQ(read_recipe(ConfigDoc::load_string("{ranks: 1}")).resolved(), r.resolved()) << "the same run id";
}

TEST(RecipeRanks, SeveralRanksAreAPartOfTheRun) {
  const Recipe r = read_recipe(ConfigDoc::load_string("{batch_size: 4, ranks: 2}"));
  EXPECT_EQ(r.ranks, 2);
  EXPECT_FALSE(r.data_parallel) << "implied by the trainer, not written twice";
  EXPECT_EQ(r.resolved()["ranks"], 2);
  EXPECT_EQ(read_recipe(ConfigDoc::load_string(r.resolved().dump())).resolved(), r.resolved());
}

TEST(RecipeRanks, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(recipe_error_of("batch_size: 4\nranks: 0\n"), "r.yaml:2:1: 'ranks' expects an integer in [1, 4096], got 0");
  EXPECT_EQ(recipe_error_of("batch_size: 2\nranks: 3\n"),
            "r.yaml:2:1: 'ranks' is 3 but batch_size is 2: every rank needs at least one sample of each batch");
  EXPECT_NE(recipe_error_of("ranks: two\n").find("r.yaml:1:1: 'ranks'"), std::string::npos) << recipe_error_of("ranks: two\n");
}

TEST(RecipeRanks, TrainingRefusesAnotherNumberOfRanksThanTheRecipeNames) {
  // One process (no mpirun) for a run that asks for two: a usage error before anything is written.
  TempDir dir("recipe_ranks_train");
  const std::string src = ATROUS_SOURCE_DIR;
  const auto r = atrous::testing::run_atrous(
      "train --model " + src + "/configs/models/fcn.yaml --data " + src + "/configs/data/shapes.yaml --train " + src +
      "/configs/train/quick.yaml --set train.ranks=2 --set train.batch_size=4 --progress none --out " +
      (dir / "run"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("asks for 2 ranks (train.ranks) but this process is one of 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mpirun -np 2"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace atrous
