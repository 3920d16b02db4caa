#include "train/stages.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "core/config.hpp"
#include "core/error.hpp"
#include "train/checkpoint.hpp"

namespace atrous {

namespace {

std::string pointer_of(const ConfigReader& r, const std::string& key) {
  return r.pointer() + "/" + escape_pointer_token(key);
}

// A list of globs at `key`, each with its location.
std::vector<LayerGlob> read_globs(const ConfigReader& r, const std::string& key) {
  std::vector<LayerGlob> out;
  const auto globs = r.get_strings(key, {});
  for (size_t i = 0; i < globs.size(); ++i) {
    if (globs[i].empty()) r.expected(key, "a list of non-empty layer-name globs");
    out.push_back({globs[i], r.doc().where(pointer_of(r, key) + "/" + std::to_string(i))});
  }
  return out;
}

// How specific a glob is: its characters that are not wildcards.
size_t literal_chars(const std::string& glob) {
  return static_cast<size_t>(std::count_if(glob.begin(), glob.end(), [](char c) { return c != '*' && c != '?'; }));
}

std::string join(const std::vector<std::string>& items, size_t limit = 8) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += fmt::format(", ... ({} in all)", items.size());
  return out;
}

// The lr_mult entry that applies to a layer: the most specific matching glob, or null.
const LrMult* lr_mult_for(const std::vector<LrMult>& mults, const std::string& layer) {
  const LrMult* best = nullptr;
  for (const auto& m : mults) {
    if (!glob_matches(m.layers.glob, layer)) continue;
    if (!best || literal_chars(m.layers.glob) > literal_chars(best->layers.glob)) best = &m;
  }
  return best;
}

}  // namespace

bool glob_matches(const std::string& glob, const std::string& name) {
  return fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

void read_stage_keys(const ConfigReader& r, Recipe& recipe) {
  if (r.has("init")) {
    const ConfigReader ir = r.child("init");
    if (!ir.has("from")) ir.fail("", fmt::format("'{}' needs 'from', a checkpoint file", r.key_name("init")));
    InitRecipe& init = recipe.init;
    init.from = ir.get_string("from", "");
    if (init.from.empty()) ir.expected("from", "a checkpoint file");
    init.where = ir.doc().where(pointer_of(ir, "from"));
    init.layers = read_globs(ir, "layers");
    init.strict = ir.get_bool("strict", init.strict);
    ir.finish();
  }
  recipe.freeze = read_globs(r, "freeze");
  if (r.has("lr_mult")) {
    const ConfigReader mr = r.child("lr_mult");
    const json& node = r.doc().root().at(json::json_pointer(mr.pointer()));
    for (const auto& [glob, value] : node.items()) {
      if (glob.empty()) mr.fail(glob, fmt::format("'{}' has an empty layer-name glob", r.key_name("lr_mult")));
      recipe.lr_mult.push_back({{glob, mr.doc().where(pointer_of(mr, glob))}, mr.get_number(glob, 1.0, 0.0)});
    }
    mr.finish();
  }
}

void write_stage_keys(nlohmann::json& j, const Recipe& recipe) {
  auto globs = [](const std::vector<LayerGlob>& gs) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& g : gs) out.push_back(g.glob);
    return out;
  };
  if (!recipe.init.from.empty()) {
    nlohmann::json layers = globs(recipe.init.layers);
    if (layers.empty()) layers.push_back("*");
    j["init"] = {{"from", recipe.init.from}, {"layers", layers}, {"strict", recipe.init.strict}};
  }
  if (!recipe.freeze.empty()) j["freeze"] = globs(recipe.freeze);
  if (!recipe.lr_mult.empty()) {
    j["lr_mult"] = nlohmann::json::object();
    for (const auto& m : recipe.lr_mult) j["lr_mult"][m.layers.glob] = m.mult;
  }
}

void check_stage_globs(const Recipe& recipe, const std::vector<std::string>& layer_names) {
  auto check_matches = [&](const LayerGlob& g, const std::string& key) {
    for (const auto& name : layer_names)
      if (glob_matches(g.glob, name)) return;
    throw Error(g.where,
                fmt::format("train.{}: '{}' matches no layer of the model (its layers: {}; see `atrous model show`)",
                            key, g.glob, join(layer_names)));
  };
  for (const auto& g : recipe.init.layers) check_matches(g, "init.layers");
  for (const auto& g : recipe.freeze) check_matches(g, "freeze");
  for (const auto& m : recipe.lr_mult) check_matches(m.layers, "lr_mult");
  // Equally specific globs matching one layer leave its multiplier undecided.
  for (const auto& name : layer_names) {
    const LrMult* best = lr_mult_for(recipe.lr_mult, name);
    if (!best) continue;
    for (const auto& m : recipe.lr_mult)
      if (&m != best && glob_matches(m.layers.glob, name) &&
          literal_chars(m.layers.glob) == literal_chars(best->layers.glob))
        throw Error(m.layers.where,
                    fmt::format("train.lr_mult: '{}' and '{}' both match layer '{}' and are equally specific; make "
                                "one of them more specific",
                                best->layers.glob, m.layers.glob, name));
  }
}

void apply_freeze_and_lr_mult(Graph& graph, Optimizer& optimizer, const Recipe& recipe) {
  for (const auto& n : graph.nodes()) {
    const bool frozen = std::any_of(recipe.freeze.begin(), recipe.freeze.end(),
                                    [&](const LayerGlob& g) { return glob_matches(g.glob, n.name); });
    if (frozen) graph.freeze(n.name);
    if (const LrMult* m = lr_mult_for(recipe.lr_mult, n.name))
      for (const Param* p : n.layer->params()) optimizer.set_lr_mult(n.name + "." + p->name, m->mult);
  }
}

void load_init(Graph& graph, const InitRecipe& init) {
  if (init.from.empty()) return;
  auto fail = [&](const std::string& message) {
    throw Error(init.where, fmt::format("train.init.from '{}': {}", init.from, message));
  };
  Checkpoint ck;
  try {
    ck = load_checkpoint(init.from);
  } catch (const Error& e) {
    fail(e.what());
  }
  const std::vector<LayerGlob> all{{"*", init.where}};
  const std::vector<LayerGlob>& globs = init.layers.empty() ? all : init.layers;
  const auto params = graph.params();
  std::vector<std::pair<Param*, const CheckpointTensor*>> loads;
  std::vector<std::string> missing, shapes;
  std::map<std::string, std::vector<std::string>> glob_layers;  // per glob: the model layers it matched
  std::map<std::string, int> glob_found;                         // per glob: its tensors found in the file
  for (const auto& np : params) {
    const std::string layer = np.name.substr(0, np.name.size() - np.param->name.size() - 1);
    std::vector<const LayerGlob*> matched;
    for (const auto& g : globs)
      if (glob_matches(g.glob, layer)) matched.push_back(&g);
    if (matched.empty()) continue;
    for (const auto* g : matched) {
      auto& layers = glob_layers[g->glob];
      if (layers.empty() || layers.back() != layer) layers.push_back(layer);
    }
    auto it = ck.tensors.find(np.name);
    if (it == ck.tensors.end()) {
      if (init.strict) missing.push_back(fmt::format("{} {}", np.name, dims_str(np.param->dims)));
      continue;
    }
    for (const auto* g : matched) glob_found[g->glob]++;
    if (it->second.shape != np.param->dims) {
      shapes.push_back(fmt::format("{}: model {}, checkpoint {}", np.name, dims_str(np.param->dims),
                                   dims_str(it->second.shape)));
      continue;
    }
    loads.emplace_back(np.param, &it->second);
  }
  std::string problems;
  if (!missing.empty())
    problems += fmt::format("\n  not in the checkpoint (strict: true; set strict: false to keep their initialiser): {}",
                            join(missing, 20));
  if (!shapes.empty()) problems += fmt::format("\n  shapes differ: {}", join(shapes, 20));
  for (const auto& [glob, layers] : glob_layers)
    if (!glob_found.count(glob))
      problems += fmt::format("\n  layers glob '{}' matches {} in the model but none of their tensors is in the "
                              "checkpoint",
                              glob, join(layers));
  for (const auto& g : globs)
    if (!glob_layers.count(g.glob))
      problems += fmt::format("\n  layers glob '{}' matches no layer with parameters in the model", g.glob);
  if (!problems.empty()) {
    std::vector<std::string> held;
    for (const auto& [name, t] : ck.tensors)
      if (name.rfind(kOptimizerPrefix, 0) != 0) held.push_back(fmt::format("{} {}", name, dims_str(t.shape)));
    fail(fmt::format("does not fit the model:{}\n  the checkpoint holds: {}", problems, join(held, 12)));
  }
  for (const auto& [param, tensor] : loads) param->value = tensor->data;
}

}  // namespace atrous
