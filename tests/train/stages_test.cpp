// Training in stages: `init` loads a checkpoint's parameters and batch-norm
// statistics into chosen layers, `freeze` stops layers from training (and from
// costing backward work), `lr_mult` scales per-layer learning rates.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../data/data_test_support.hpp"
#include "model/build.hpp"
#include "train/checkpoint.hpp"
#include "train/stages.hpp"
#include "train/train_step.hpp"
#include "trainer_test_support.hpp"

namespace atrous {
namespace {

using testing::TempDir;
using testing::tiny_run;

// tiny_run's model: stack.stem.{conv,bn,relu}, stack.layer.{0,1}.{conv,bn,relu}, head, up.

std::map<std::string, std::vector<float>> values_of(Graph& g) {
  std::map<std::string, std::vector<float>> out;
  for (const auto& np : g.params()) out[np.name] = np.param->value;
  return out;
}

Graph fused_graph(const RunConfig& run) {
  Graph g = build_graph(run.model);
  g.fuse();
  return g;
}

// A checkpoint of tiny_run's model whose every value (running statistics too)
// differs from any initialiser's: parameters from seed 7, plus a ramp.
std::string write_checkpoint(const TempDir& dir, const std::vector<std::string>& extra = {},
                             const std::string& drop = "") {
  Graph g = fused_graph(tiny_run(extra));
  g.init(7);
  float ramp = 0.5f;
  for (const auto& np : g.params())
    for (float& v : np.param->value) v += (ramp += 0.001f);
  Checkpoint ck;
  add_parameters(ck, g);
  if (!drop.empty()) ck.tensors.erase(drop);
  const std::string path = dir / "stage1.safetensors";
  save_checkpoint(path, ck);
  return path;
}

InitRecipe init_of(const std::string& path, std::vector<std::string> globs, bool strict = true) {
  InitRecipe init;
  init.from = path;
  for (auto& g : globs) init.layers.push_back({g, {}});
  init.strict = strict;
  return init;
}

std::string load_error(Graph& g, const InitRecipe& init) {
  try {
    load_init(g, init);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  return "(no error)";
}

// A fixed batch: 4 random 32×32 images and labels.
struct Batch4 {
  Tensor images;
  std::vector<uint8_t> labels;
};
Batch4 batch(uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(4 * 3 * 32 * 32);
  for (float& v : x) v = static_cast<float>(rng.uniform() * 2 - 1);
  std::vector<uint8_t> y(4 * 32 * 32);
  for (auto& v : y) v = static_cast<uint8_t>(rng.next_u64() % 5);
  return {Tensor::from_plain({4, 3, 32, 32}, x), y};
}

TEST(Stages, RecipeKeysReadBackAndStayOutOfOldRunIds) {
  ConfigDoc doc = ConfigDoc::load_string(R"(
init: {from: a/b.safetensors, layers: ["stack.*"], strict: false}
freeze: ["stack.stem.*", "stack.layer.0.*"]
lr_mult: {"head": 10, "stack.*": 0.5}
)");
  const Recipe r = read_recipe(doc);
  EXPECT_EQ(r.init.from, "a/b.safetensors");
  ASSERT_EQ(r.init.layers.size(), 1u);
  EXPECT_EQ(r.init.layers[0].where.line, 2);
  EXPECT_FALSE(r.init.strict);
  ASSERT_EQ(r.freeze.size(), 2u);
  ASSERT_EQ(r.lr_mult.size(), 2u);
  ConfigDoc back;
  back.root() = r.resolved();
  EXPECT_EQ(read_recipe(back).resolved(), r.resolved());
  // A recipe without the keys resolves as before (run ids unchanged).
  const nlohmann::json plain = read_recipe(ConfigDoc::load_string("{}")).resolved();
  EXPECT_FALSE(plain.contains("init") || plain.contains("freeze") || plain.contains("lr_mult")) << plain.dump();
}

TEST(Stages, GlobErrorsAreLocatedInTheRecipe) {
  TempDir dir("stages_globs");
  auto error_of = [&](const std::string& yaml) -> std::string {
    std::ofstream(dir / "r.yaml") << "iterations: 2\n" << yaml;
    try {
      load_run(testing::config("models/dilated.yaml"), testing::config("data/shapes.yaml"), dir / "r.yaml",
               {"model.width=4", "model.rates=[1, 2]"});
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2) << e.what();
      return e.what();
    }
    return "(no error)";
  };
  std::string e = error_of("freeze: [stack.stem.*, stack.nope.*]\n");
  EXPECT_NE(e.find(dir / "r.yaml" + ":2:"), std::string::npos) << e;
  EXPECT_NE(e.find("'stack.nope.*' matches no layer"), std::string::npos) << e;
  e = error_of("init:\n  from: x.safetensors\n  layers: [hed]\n");
  EXPECT_NE(e.find(dir / "r.yaml" + ":4:"), std::string::npos) << e;
  EXPECT_NE(e.find("train.init.layers: 'hed'"), std::string::npos) << e;
  e = error_of("lr_mult: {'stack.*.conv': 2, 'stack.?ayer.*': 3}\n");
  EXPECT_NE(e.find("equally specific"), std::string::npos) << e;
  e = error_of("init: {layers: [head]}\n");
  EXPECT_NE(e.find("needs 'from'"), std::string::npos) << e;
  EXPECT_EQ(error_of("lr_mult: {'*': 0.1, 'stack.*.conv': 2, 'stack.layer.0.conv': 3}\n"), "(no error)");
}

TEST(Stages, MostSpecificLrMultWins) {
  const RunConfig run = tiny_run({"train.lr_mult={'*': 0.1, 'stack.*.conv': 2, 'stack.layer.0.conv': 3}"});
  Graph g = fused_graph(run);
  auto opt = make_optimizer(run.train.optimizer);
  apply_freeze_and_lr_mult(g, *opt, run.train);
  EXPECT_EQ(opt->lr_mult("head.weight"), 0.1);
  EXPECT_EQ(opt->lr_mult("stack.stem.conv.weight"), 2);
  EXPECT_EQ(opt->lr_mult("stack.layer.1.conv.weight"), 2);
  EXPECT_EQ(opt->lr_mult("stack.layer.0.conv.weight"), 3);
  EXPECT_EQ(opt->lr_mult("stack.layer.0.bn.weight"), 0.1);
}

TEST(Stages, InitLoadsMatchedLayersBitwiseWithRunningStatistics) {
  TempDir dir("stages_init");
  const std::string path = write_checkpoint(dir);
  const Checkpoint ck = load_checkpoint(path);
  Graph g = fused_graph(tiny_run());
  g.init(0);
  const auto fresh = values_of(g);
  load_init(g, init_of(path, {"stack.*"}));
  int loaded = 0;
  for (const auto& [name, v] : values_of(g)) {
    if (name.rfind("stack.", 0) == 0) {
      EXPECT_EQ(v, ck.tensors.at(name).data) << name;  // bitwise
      ++loaded;
    } else {
      EXPECT_EQ(v, fresh.at(name)) << name << " keeps its initialiser";
    }
  }
  EXPECT_EQ(loaded, 3 * 2 + 3 * 4);  // 3 convs (weight, bias), 3 batch norms (scale, shift, running mean, variance)
  EXPECT_EQ(values_of(g).at("stack.layer.1.bn.running_var"), ck.tensors.at("stack.layer.1.bn.running_var").data);
  // No globs: every layer.
  load_init(g, init_of(path, {}));
  for (const auto& [name, v] : values_of(g)) EXPECT_EQ(v, ck.tensors.at(name).data) << name;
}

TEST(Stages, InitErrorsNameBothSides) {
  TempDir dir("stages_init_err");
  Graph g = fused_graph(tiny_run());
  g.init(0);
  const auto before = values_of(g);
  // Another width: every conv and batch-norm tensor differs in shape.
  const std::string wide = write_checkpoint(dir, {"model.width=8"});
  std::string e = load_error(g, init_of(wide, {"stack.stem.*", "head"}));
  EXPECT_NE(e.find("stack.stem.conv.weight: model 4x3x3x3, checkpoint 8x3x3x3"), std::string::npos) << e;
  EXPECT_NE(e.find("head.weight: model 5x8x1x1, checkpoint 5x16x1x1"), std::string::npos) << e;
  EXPECT_NE(e.find(wide), std::string::npos) << e;
  EXPECT_EQ(values_of(g), before) << "nothing is loaded when anything is wrong";
  // A tensor missing from the file: an error when strict, kept initialiser when not.
  const std::string holed = write_checkpoint(dir, {}, "stack.stem.bn.running_mean");
  e = load_error(g, init_of(holed, {"stack.stem.*"}));
  EXPECT_NE(e.find("not in the checkpoint (strict: true"), std::string::npos) << e;
  EXPECT_NE(e.find("stack.stem.bn.running_mean 4"), std::string::npos) << e;
  EXPECT_EQ(load_error(g, init_of(holed, {"stack.stem.*"}, false)), "(no error)");
  EXPECT_EQ(values_of(g).at("stack.stem.bn.running_mean"), before.at("stack.stem.bn.running_mean"));
  EXPECT_NE(values_of(g).at("stack.stem.bn.running_var"), before.at("stack.stem.bn.running_var"));
  // A checkpoint holding none of a glob's tensors, and a glob on a layer without parameters.
  Checkpoint head_only;
  head_only.tensors["head.weight"] = {{5, 8, 1, 1}, std::vector<float>(40, 1.f)};
  save_checkpoint(dir / "head.safetensors", head_only);
  e = load_error(g, init_of(dir / "head.safetensors", {"stack.stem.*"}, false));
  EXPECT_NE(e.find("'stack.stem.*' matches stack.stem.conv, stack.stem.bn in the model but none of their tensors"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("the checkpoint holds: head.weight 5x8x1x1"), std::string::npos) << e;
  e = load_error(g, init_of(dir / "head.safetensors", {"up"}, false));
  EXPECT_NE(e.find("'up' matches no layer with parameters"), std::string::npos) << e;
  e = load_error(g, init_of(dir / "absent.safetensors", {}));
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;
}

// Trains `steps` steps of tiny_run's model with the recipe overrides, on fixed batches.
struct Trained {
  std::map<std::string, std::vector<float>> before, after;
  std::vector<std::string> state_names;
  std::map<std::string, bool> ran_backward;
};
Trained train_steps(const std::vector<std::string>& overrides, int steps) {
  const RunConfig run = tiny_run(overrides);
  Graph g = fused_graph(run);
  auto opt = make_optimizer(run.train.optimizer);
  apply_freeze_and_lr_mult(g, *opt, run.train);
  g.init(3);
  Trained t;
  t.before = values_of(g);
  TrainStep ts(g, run.train.loss, std::move(opt));
  for (int s = 0; s < steps; ++s) {
    const Batch4 b = batch(static_cast<uint64_t>(s));
    ts.run(b.images, b.labels, run.train.lr, s);
  }
  t.after = values_of(g);
  auto params = g.params();
  for (const auto& [name, arr] : ts.optimizer().state(params)) t.state_names.push_back(name);
  for (const auto& n : g.nodes()) t.ran_backward[n.name] = g.ran_backward(n.name);
  return t;
}

// Weights and running statistics move in every step; a conv bias before a batch
// norm gets a gradient of rounding noise only.
bool trains_visibly(const std::string& name) {
  return name.ends_with(".weight") || name.find(".running_") != std::string::npos;
}

bool has_state_of(const Trained& t, const std::string& prefix) {
  return std::any_of(t.state_names.begin(), t.state_names.end(),
                     [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
}

TEST(Stages, FrozenPrefixDoesNotTrainHasNoStateAndNoBackward) {
  const Trained t = train_steps({"train.freeze=[stack.stem.*, stack.layer.0.*]"}, 3);
  for (const auto& [name, v] : t.after) {
    const bool frozen = name.rfind("stack.stem.", 0) == 0 || name.rfind("stack.layer.0.", 0) == 0;
    if (frozen) {
      EXPECT_EQ(v, t.before.at(name)) << name << " is frozen (running statistics included)";
    } else if (trains_visibly(name)) {
      EXPECT_NE(v, t.before.at(name)) << name << " trains";
    }
  }
  EXPECT_FALSE(has_state_of(t, "stack.stem."));
  EXPECT_FALSE(has_state_of(t, "stack.layer.0."));
  EXPECT_TRUE(has_state_of(t, "stack.layer.1.conv.weight"));
  EXPECT_TRUE(has_state_of(t, "head.weight"));
  // The frozen prefix runs no backward at all; what follows it does.
  EXPECT_FALSE(t.ran_backward.at("stack.stem.conv"));
  EXPECT_FALSE(t.ran_backward.at("stack.stem.bn"));
  EXPECT_FALSE(t.ran_backward.at("stack.layer.0.conv"));
  EXPECT_FALSE(t.ran_backward.at("stack.layer.0.bn"));
  EXPECT_TRUE(t.ran_backward.at("stack.layer.1.conv"));
  EXPECT_TRUE(t.ran_backward.at("head"));
  // Without freezing every layer runs backward.
  const Trained all = train_steps({}, 1);
  for (const auto& [name, ran] : all.ran_backward) EXPECT_TRUE(ran) << name;
}

TEST(Stages, FrozenLayerInsideTheNetworkPassesGradientsButDoesNotChange) {
  const Trained t = train_steps({"train.freeze=[stack.layer.0.*]"}, 3);
  for (const auto& [name, v] : t.after) {
    if (name.rfind("stack.layer.0.", 0) == 0) {
      EXPECT_EQ(v, t.before.at(name)) << name;
    } else if (trains_visibly(name)) {
      EXPECT_NE(v, t.before.at(name)) << name;  // the stem below it still learns
    }
  }
  EXPECT_TRUE(t.ran_backward.at("stack.layer.0.conv"));
  EXPECT_FALSE(has_state_of(t, "stack.layer.0."));
}

TEST(Stages, LrMultScalesTheSgdUpdateExactly) {
  // One SGD step with weight decay from the same initialisation: the head at lr 0.1
  // × 0.25 must equal the head at lr 0.025, and the rest the rest at lr 0.1.
  const std::vector<std::string> sgd = {"train.optimizer.type=sgd", "train.optimizer.momentum=0",
                                        "train.optimizer.weight_decay=0.01"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), sgd.begin(), sgd.end());
    return train_steps(extra, 1);
  };
  const Trained mult = with({"train.optimizer.lr=0.1", "train.lr_mult={head: 0.25}"});
  const Trained low = with({"train.optimizer.lr=0.025"});
  const Trained base = with({"train.optimizer.lr=0.1"});
  for (const auto& [name, v] : mult.after) {
    if (name.rfind("head.", 0) == 0) {
      EXPECT_EQ(v, low.after.at(name)) << name;
      EXPECT_NE(v, base.after.at(name)) << name;
    } else {
      EXPECT_EQ(v, base.after.at(name)) << name;
    }
  }
}

TEST(Stages, LrMultEqualsTheScaledLearningRateOverSteps) {
  // Momentum and weight decay over several steps, on the optimizer alone.
  for (const std::string type : {"sgd", "adam", "adamw"}) {
    OptimizerConfig c;
    c.type = type;
    c.weight_decay = 0.01;
    auto run = [&](double lr, double mult) {
      Param p("weight", {6}, Param::Role::weight);
      p.allocate();
      for (size_t i = 0; i < 6; ++i) p.value[i] = 0.1f * static_cast<float>(i) - 0.2f;
      auto opt = make_optimizer(c);
      if (mult != 1) opt->set_lr_mult("l.weight", mult);
      const std::vector<NamedParam> params{{"l.weight", &p}};
      for (int s = 0; s < 4; ++s) {
        for (size_t i = 0; i < 6; ++i) p.grad[i] = 0.03f * static_cast<float>((i + s) % 4) - 0.05f;
        opt->step(params, lr);
      }
      return p.value;
    };
    EXPECT_EQ(run(0.5, 0.25), run(0.125, 1)) << type;
  }
}

TEST(Stages, TrainerLoadsInitFreezesAndDoesNotReloadOnResume) {
  TempDir dir("stages_trainer");
  const std::string path = write_checkpoint(dir);
  const Checkpoint ck = load_checkpoint(path);
  const RunConfig run = tiny_run({"train.init={from: '" + path + "', layers: ['stack.*']}",
                                  "train.freeze=['stack.*']"});
  testing::StopAt stop(3);
  TrainResult r = train_run(run, testing::quiet(dir / "run"), &stop);
  ASSERT_EQ(r.status, RunStatus::interrupted) << r.reason;
  // Resuming takes everything from the run's own checkpoint: the init file is not read again.
  std::filesystem::remove(path);
  TrainOptions o = testing::quiet(dir / "run");
  o.resume = true;
  r = train_run(run, o);
  ASSERT_EQ(r.status, RunStatus::done) << r.reason;
  const Checkpoint last = load_checkpoint(dir / "run/last.safetensors");
  for (const auto& [name, t] : ck.tensors) {
    if (name.rfind("stack.", 0) == 0) {
      EXPECT_EQ(last.tensors.at(name).data, t.data) << name << ": loaded, then frozen";
      EXPECT_FALSE(last.tensors.count("optimizer/" + name + ".exp_avg")) << name;
    } else {
      EXPECT_NE(last.tensors.at(name).data, t.data) << name;
    }
  }
  EXPECT_TRUE(last.tensors.count("optimizer/head.weight.exp_avg"));
  // A fresh run with the file gone fails as a usage error naming it.
  try {
    train_run(run, testing::quiet(dir / "fresh"));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace atrous
