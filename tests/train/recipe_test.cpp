// Recipes: defaults, every key read, errors located at file:line:column, and the
// resolved JSON reading back to itself.
#include <gtest/gtest.h>

#include <fstream>

#include "../data/data_test_support.hpp"
#include "recipe_test_support.hpp"
#include "train/recipe.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::TempDir;

using testing::recipe_error_of;

TEST(Recipe, DefaultsEverywhere) {
  ConfigDoc doc = ConfigDoc::load_string("{}");
  const Recipe r = read_recipe(doc);
  EXPECT_EQ(r.epochs, 10);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.batch_size, 8);
  EXPECT_EQ(r.optimizer.type, "adam");
  EXPECT_EQ(r.schedule.type, "constant");
  EXPECT_EQ(r.class_weights, "none");
  EXPECT_EQ(r.eval.scales, std::vector<double>{1.0});
  EXPECT_EQ(r.checkpoint.best_metric, "val.miou");
}

TEST(Recipe, ReadsEveryKeyAndResolvesToItself) {
  ConfigDoc doc = ConfigDoc::load_string(R"(
iterations: 500
batch_size: 4
seed: 3
optimizer: {type: sgd, lr: 0.1, momentum: 0.8, nesterov: true, weight_decay: 0.0001, decay_bias_and_norm: false}
schedule: {type: step, milestones: [100, 300], gamma: 0.5, warmup_steps: 20}
loss: {ce_weight: 0.5, dice_weight: 0.5, class_weights: [0.1, 1, 2]}
eval: {every: 3, multi_scale: [0.75, 1.0, 1.25], flip: true, boundary_band: 3}
checkpoint: {every: 2, best_metric: val.boundary_f}
)");
  const Recipe r = read_recipe(doc);
  EXPECT_EQ(r.iterations, 500);
  EXPECT_EQ(r.seed, 3u);
  EXPECT_DOUBLE_EQ(r.schedule.base_lr, 0.1);
  EXPECT_TRUE(r.optimizer.nesterov);
  EXPECT_EQ(r.schedule.milestones, (std::vector<int64_t>{100, 300}));
  EXPECT_EQ(r.class_weights, "fixed");
  EXPECT_EQ(r.loss.class_weights, (std::vector<float>{0.1f, 1.0f, 2.0f}));
  EXPECT_TRUE(r.eval.flip);
  EXPECT_EQ(r.checkpoint.every, 2);
  ConfigDoc again;
  again.root() = r.resolved();
  EXPECT_EQ(read_recipe(again).resolved(), r.resolved());
}

TEST(Recipe, PrecisionIsF32OrBf16AndOnlyBf16IsWritten) {
  EXPECT_EQ(recipe_error_of("precision: fp16\n").substr(0, 9), "r.yaml:1:");
  EXPECT_NE(recipe_error_of("precision: fp16\n").find("bf16"), std::string::npos);
  ConfigDoc doc = ConfigDoc::load_string("precision: bf16\n");
  const Recipe r = read_recipe(doc);
  EXPECT_EQ(r.precision, Precision::bf16);
  EXPECT_EQ(r.resolved().at("precision"), "bf16");
  ConfigDoc again;
  again.root() = r.resolved();
  EXPECT_EQ(read_recipe(again).precision, Precision::bf16);
  // f32 (the default, given or not) leaves the resolved recipe, and so every run id, as before.
  ConfigDoc f32 = ConfigDoc::load_string("precision: f32\n");
  EXPECT_FALSE(read_recipe(f32).resolved().contains("precision"));
}

TEST(Recipe, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(recipe_error_of("epochs: 3\nbatch_size: 0\n"), "r.yaml:2:1: 'batch_size' expects an integer >= 1, got 0");
  EXPECT_EQ(recipe_error_of("epochs: 3\noptimizer:\n  type: rmsprop\n"),
            "r.yaml:3:3: 'optimizer.type' expects one of sgd, adam, adamw, got \"rmsprop\"");
  EXPECT_NE(recipe_error_of("epochs: 3\niterations: 5\n").find("r.yaml:2:"), std::string::npos);
  EXPECT_NE(recipe_error_of("optimizer: {lr: 0.1, moment: 0.9}\n").find("r.yaml:1:"), std::string::npos);
  EXPECT_NE(recipe_error_of("loss: {class_weights: inverse}\n").find("inverse_frequency"), std::string::npos);
  EXPECT_NE(recipe_error_of("schedule: {type: step}\n").find("step_size or milestones"), std::string::npos);
  // A typo in an override is rejected too.
  EXPECT_NE(recipe_error_of("epochs: 3\n", {"optimizer.lrr=0.1"}), "(no error)");
  EXPECT_EQ(recipe_error_of("epochs: 3\n", {"optimizer.lr=0.1"}), "(no error)");
}

// The choices are the metric catalogue's selects_checkpoint entries (eval/metric_catalogue.hpp).
TEST(Recipe, BestMetricIsOneOfTheCatalogues) {
  EXPECT_EQ(recipe_error_of("epochs: 3\ncheckpoint: {best_metric: val.fwiou}\n"),
            "r.yaml:2:14: 'checkpoint.best_metric' expects one of val.miou, val.pixel_acc, val.mean_acc, val.dice, "
            "val.boundary_f, val.bits_per_sample, got \"val.fwiou\"");
  EXPECT_EQ(recipe_error_of("epochs: 3\ncheckpoint: {best_metric: val.dice}\n"), "(no error)");
}

TEST(Recipe, ShippedRecipesLoad) {
  for (const char* name : {"default", "quick"}) {
    const Recipe r = load_recipe_file(std::string(ATROUS_SOURCE_DIR) + "/configs/train/" + name + ".yaml");
    EXPECT_GT(r.epochs + r.iterations, 0) << name;
  }
}

}  // namespace
}  // namespace atrous
