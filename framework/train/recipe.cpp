#include "train/recipe.hpp"

#include <cmath>

#include "data/config_reader.hpp"
#include "eval/metric_catalogue.hpp"
#include "train/stages.hpp"

namespace atrous {

namespace {

void read_optimizer(const ConfigReader& r, Recipe& recipe) {
  OptimizerConfig& o = recipe.optimizer;
  o.type = r.get_choice("type", "adam", {"sgd", "adam", "adamw"});
  recipe.lr = r.get_number("lr", recipe.lr, 0.0);
  if (!(recipe.lr > 0.0)) r.fail("lr", fmt::format("'{}' must be > 0", r.key_name("lr")));
  o.momentum = r.get_number("momentum", o.momentum, 0.0, 1.0);
  o.nesterov = r.get_bool("nesterov", o.nesterov);
  o.weight_decay = r.get_number("weight_decay", o.weight_decay, 0.0);
  o.decay_bias_and_norm = r.get_bool("decay_bias_and_norm", o.decay_bias_and_norm);
  o.beta1 = r.get_number("beta1", o.beta1, 0.0, 1.0);
  o.beta2 = r.get_number("beta2", o.beta2, 0.0, 1.0);
  o.eps = r.get_number("eps", o.eps, 0.0);
  if (o.nesterov && (o.type != "sgd" || o.momentum <= 0.0))
    r.fail("nesterov", fmt::format("'{}' needs type sgd with momentum > 0", r.key_name("nesterov")));
  r.finish();
}

void read_schedule(const ConfigReader& r, ScheduleConfig& s) {
  s.type = r.get_choice("type", "constant", {"constant", "step", "poly", "cosine"});
  s.warmup_steps = r.get_int("warmup_steps", s.warmup_steps, 0);
  s.warmup_start_factor = r.get_number("warmup_start_factor", s.warmup_start_factor, 0.0, 1.0);
  s.power = r.get_number("power", s.power, 0.0);
  s.min_lr = r.get_number("min_lr", s.min_lr, 0.0);
  s.gamma = r.get_number("gamma", s.gamma, 0.0);
  s.step_size = r.get_int("step_size", s.step_size, 0);
  for (double m : r.get_numbers("milestones", {}, 1.0)) {
    if (m != std::floor(m)) r.expected("milestones", "a list of positive integers");
    if (!s.milestones.empty() && static_cast<int64_t>(m) <= s.milestones.back())
      r.expected("milestones", "increasing step numbers");
    s.milestones.push_back(static_cast<int64_t>(m));
  }
  if (s.type == "step" && s.step_size == 0 && s.milestones.empty())
    r.fail("type", fmt::format("'{}: step' needs step_size or milestones", r.key_name("type")));
  r.finish();
}

void read_loss(const ConfigReader& r, Recipe& recipe) {
  LossConfig& l = recipe.loss;
  l.ce_weight = r.get_number("ce_weight", l.ce_weight, 0.0);
  l.dice_weight = r.get_number("dice_weight", l.dice_weight, 0.0);
  l.dice_smooth = r.get_number("dice_smooth", l.dice_smooth, 0.0);
  if (l.ce_weight == 0.0 && l.dice_weight == 0.0)
    r.fail("ce_weight", fmt::format("'{}' and '{}' cannot both be 0", r.key_name("ce_weight"),
                                    r.key_name("dice_weight")));
  if (r.has("class_weights")) {
    const json& v = r.doc().root().at(json::json_pointer(r.pointer() + "/class_weights"));
    if (v.is_string()) {
      recipe.class_weights = r.get_choice("class_weights", "none", {"none", "inverse_frequency"});
    } else {
      const auto w = r.get_numbers("class_weights", {}, 0.0);
      if (w.empty()) r.expected("class_weights", "none, inverse_frequency or a list of weights >= 0");
      recipe.class_weights = "fixed";
      l.class_weights.assign(w.begin(), w.end());
    }
  }
  r.finish();
}

void read_eval(const ConfigReader& r, EvalRecipe& e) {
  e.every = r.get_int("every", e.every, 1);
  e.scales = r.get_numbers("multi_scale", e.scales, 0.0);
  for (double s : e.scales)
    if (!(s > 0.0)) r.expected("multi_scale", "scales > 0");
  if (e.scales.empty()) r.expected("multi_scale", "at least one scale");
  e.flip = r.get_bool("flip", e.flip);
  e.boundary_band = r.get_int("boundary_band", e.boundary_band, 0, 64);
  r.finish();
}

void read_checkpoint(const ConfigReader& r, CheckpointRecipe& c) {
  c.every = r.get_int("every", c.every, 1);
  c.best_metric = r.get_choice("best_metric", c.best_metric, checkpoint_metrics());
  r.finish();
}

}  // namespace

Recipe read_recipe(const ConfigDoc& doc, const std::string& pointer) {
  const ConfigReader r(doc, pointer);
  Recipe recipe;
  const bool has_epochs = r.has("epochs"), has_iterations = r.has("iterations");
  if (has_epochs && has_iterations)
    r.fail("iterations", fmt::format("give either '{}' or '{}', not both", r.key_name("epochs"),
                                     r.key_name("iterations")));
  if (has_iterations) recipe.iterations = r.get_int("iterations", 0, 1);
  else recipe.epochs = r.get_int("epochs", 10, 1);
  recipe.batch_size = r.get_int("batch_size", recipe.batch_size, 1);
  recipe.seed = static_cast<uint64_t>(r.get_int("seed", 0, 0));
  read_optimizer(r.child("optimizer"), recipe);
  read_schedule(r.child("schedule"), recipe.schedule);
  recipe.schedule.base_lr = recipe.lr;
  read_loss(r.child("loss"), recipe);
  read_eval(r.child("eval"), recipe.eval);
  read_checkpoint(r.child("checkpoint"), recipe.checkpoint);
  read_stage_keys(r, recipe);
  recipe.data_parallel = r.get_bool("data_parallel", false);
  recipe.sync_bn = r.get_bool("sync_bn", false);
  recipe.ranks = r.get_int("ranks", 1, 1, kMaxRanks);
  if (recipe.ranks > recipe.batch_size)
    r.fail("ranks", fmt::format("'{}' is {} but {} is {}: every rank needs at least one sample of each batch",
                                r.key_name("ranks"), recipe.ranks, r.key_name("batch_size"), recipe.batch_size));
  recipe.precision = parse_precision(r.get_choice("precision", "f32", precision_names()));
  r.finish();
  return recipe;
}

Recipe load_recipe_file(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigDoc doc = ConfigDoc::load_file(path);
  for (const auto& o : overrides) {
    // epochs and iterations are alternatives: overriding one replaces the other,
    // so that `--set train.epochs=5` works on a recipe that counts iterations.
    for (const auto& [given, other] : {std::pair{"epochs=", "iterations"}, std::pair{"iterations=", "epochs"}})
      if (o.rfind(given, 0) == 0 && doc.root().is_object()) doc.root().erase(other);
    doc.apply_override(o, true);
  }
  return read_recipe(doc);
}

nlohmann::json Recipe::resolved() const {
  const OptimizerConfig& o = optimizer;
  const ScheduleConfig& s = schedule;
  nlohmann::json j;
  if (iterations > 0) j["iterations"] = iterations;
  else j["epochs"] = epochs;
  j["batch_size"] = batch_size;
  j["seed"] = seed;
  j["optimizer"] = {{"type", o.type},           {"lr", lr},
                    {"momentum", o.momentum},   {"nesterov", o.nesterov},
                    {"weight_decay", o.weight_decay}, {"decay_bias_and_norm", o.decay_bias_and_norm},
                    {"beta1", o.beta1},         {"beta2", o.beta2},
                    {"eps", o.eps}};
  j["schedule"] = {{"type", s.type},   {"warmup_steps", s.warmup_steps}, {"warmup_start_factor", s.warmup_start_factor},
                   {"power", s.power}, {"min_lr", s.min_lr},             {"gamma", s.gamma},
                   {"step_size", s.step_size}};
  if (!s.milestones.empty()) j["schedule"]["milestones"] = s.milestones;
  nlohmann::json weights = class_weights;
  if (class_weights == "fixed") weights = loss.class_weights;
  j["loss"] = {{"ce_weight", loss.ce_weight}, {"dice_weight", loss.dice_weight},
               {"dice_smooth", loss.dice_smooth}, {"class_weights", weights}};
  j["eval"] = {{"every", eval.every}, {"multi_scale", eval.scales}, {"flip", eval.flip},
               {"boundary_band", eval.boundary_band}};
  j["checkpoint"] = {{"every", checkpoint.every}, {"best_metric", checkpoint.best_metric}};
  write_stage_keys(j, *this);
  if (data_parallel) j["data_parallel"] = true;
  if (sync_bn) j["sync_bn"] = true;
  if (ranks != 1) j["ranks"] = ranks;
  if (precision != Precision::f32) j["precision"] = precision_name(precision);
  return j;
}

}  // namespace atrous
