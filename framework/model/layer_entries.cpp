#include "model/layer_entries.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "model/limits.hpp"
#include "model/name_resolution.hpp"
#include "nn/registry.hpp"

namespace atrous::expansion {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::set<std::string> kLayerKeys = {"type", "name", "from", "repeat", "parallel", "like"};
const std::set<std::string> kBlockUseKeys = {"block", "name", "from", "repeat", "parallel"};

}  // namespace

// A repeated entry makes count instances for each instance of the entries
// around it: checked before anything is expanded, so that `repeat: 1000000000`
// or ten nested `repeat: 10` fail at once instead of filling memory.
void LayerEntries::check_layer_budget(int sc, const Src& repeat_src, int64_t count) const {
  int64_t total = 0;
  const bool overflows = __builtin_mul_overflow(instance_product_, count, &total);
  if (!overflows && total <= kMaxModelLayers) return;
  const std::string around = instance_product_ > 1
                                 ? fmt::format(" ({} for each of the {} instances around it)", count, instance_product_)
                                 : "";
  scopes_.fail(sc, repeat_src,
               fmt::format("'repeat' makes {} instances{}, so at least {} layers; a model may have at most {} layers",
                           count, around, overflows ? "2^63" : std::to_string(total), kMaxModelLayers));
}

// After the first of `count` identical instances made `per_instance` layers.
void LayerEntries::check_repeat_total(int sc, const Src& repeat_src, int64_t per_instance, int64_t count) const {
  int64_t more = 0, total = 0;
  const bool overflows = __builtin_mul_overflow(per_instance, count - 1, &more) ||
                         __builtin_add_overflow(static_cast<int64_t>(layers_.size()), more, &total);
  if (!overflows && total <= kMaxModelLayers) return;
  scopes_.fail(
      sc, repeat_src,
      fmt::format("'repeat' makes {} instances of {} layer(s) each, so the model would have {} layers; a model may "
                  "have at most {} layers",
                  count, per_instance, overflows ? "over 2^63" : std::to_string(total), kMaxModelLayers));
}

Target LayerEntries::expand_list(int sc, const json& list, const Src& src, Target prev) {
  if (!list.is_array()) scopes_.fail(sc, src, "'layers' must be a list of layers");
  if (list.empty()) scopes_.fail(sc, src, "'layers' must not be empty");
  for (size_t i = 0; i < list.size(); ++i) expand_entry(sc, list[i], src.at(i), i, prev);
  return prev;
}

void LayerEntries::expand_entry(int sc, const json& e, const Src& src, size_t index, Target& prev) {
  if (!e.is_object()) scopes_.fail(sc, src, "a layer must be a mapping with 'type' (a layer) or 'block' (a block)");
  const bool is_block = e.contains("block"), is_layer = e.contains("type");
  if (is_block && is_layer)
    scopes_.fail(sc, src.at("block"), "a layer has 'type' (a layer) or 'block' (a block), not both");
  if (!is_block && !is_layer) scopes_.fail(sc, src, "missing key 'type' (a layer type) or 'block' (a block name)");
  const std::string kind_key = is_block ? "block" : "type";
  const json kind = params_.eval(e[kind_key], src.at(kind_key), sc);
  if (!kind.is_string() || kind.get<std::string>().empty())
    scopes_.fail(sc, src.at(kind_key), fmt::format("'{}' expects a name, got {}", kind_key, kind.dump()));
  const std::string what = kind.get<std::string>();

  // The entry's local name: given, or the type/block and the entry's index.
  std::string group;
  Src name_src = src;
  if (e.contains("name")) {
    name_src = src.at("name");
    if (!e["name"].is_string())
      scopes_.fail(sc, name_src, fmt::format("'name' expects a string, got {}", e["name"].dump()));
    group = e["name"].get<std::string>();
    if (!is_identifier(group))
      scopes_.fail(
          sc, name_src,
          fmt::format("name '{}' must be letters, digits and '_' (dots are added by blocks and repeats)", group));
  } else {
    group = fs::path(what).stem().string() + std::to_string(index);
  }

  // Inputs: `from` (one name or a list), else the previous entry; `like` adds a second input (resize).
  std::vector<Target> from;
  Src from_src = src;
  if (e.contains("from")) {
    from_src = src.at("from");
    const json& f = e["from"];
    auto add = [&](const json& v, const Src& vs) {
      if (!v.is_string() || v.get<std::string>().empty())
        scopes_.fail(sc, vs, fmt::format("'from' expects a layer name or a list of names, got {}", v.dump()));
      from.push_back(Target::of_name(sc, v.get<std::string>(), vs.loc()));
    };
    if (f.is_array()) {
      if (f.empty()) scopes_.fail(sc, from_src, "'from' must name at least one input");
      for (size_t i = 0; i < f.size(); ++i) add(f[i], from_src.at(i));
    } else {
      add(f, from_src);
    }
  } else {
    from.push_back(prev);
  }
  if (e.contains("like")) {
    if (is_block) scopes_.fail(sc, src.at("like"), "'like' applies to layers (resize), not blocks");
    const json& l = e["like"];
    if (!l.is_string()) scopes_.fail(sc, src.at("like"), fmt::format("'like' expects a layer name, got {}", l.dump()));
    from.push_back(Target::of_name(sc, l.get<std::string>(), src.at("like").loc()));
  }

  // Repeat: a count, or per-key lists of values (one instance per position).
  std::vector<Instance> instances(1);
  const bool repeated = e.contains("repeat");
  if (repeated) {
    const Src rs = src.at("repeat");
    const json& r = e["repeat"];
    if (r.is_object()) {
      if (r.empty()) scopes_.fail(sc, rs, "'repeat' needs at least one key with a list of values");
      size_t n = 0;
      std::string first;
      for (const auto& [k, v] : r.items()) {
        const Src ks = rs.at(k);
        if (e.contains(k)) scopes_.fail(sc, ks, fmt::format("'{}' is given both directly and in 'repeat'", k));
        if (kLayerKeys.count(k) || k == "block")
          scopes_.fail(sc, ks, fmt::format("'{}' cannot be repeated; repeat attributes or block parameters", k));
        const json vals = params_.eval(v, ks, sc);
        if (!vals.is_array())
          scopes_.fail(sc, ks, fmt::format("repeat '{}' expects a list of per-repeat values, got {}", k, vals.dump()));
        if (vals.empty()) scopes_.fail(sc, ks, fmt::format("repeat '{}' must have at least one value", k));
        if (n == 0) {
          n = vals.size();
          first = k;
          instances.assign(n, Instance{});
        } else if (vals.size() != n) {
          scopes_.fail(sc, ks, fmt::format("repeat '{}' has {} values but '{}' has {}", k, vals.size(), first, n));
        }
        for (size_t i = 0; i < n; ++i) instances[i][k] = {vals[i], v.is_array() ? ks.at(i) : ks};
      }
      check_layer_budget(sc, rs, static_cast<int64_t>(n));
    } else {
      const json count = params_.eval(r, rs, sc);
      if (!count.is_number_integer())
        scopes_.fail(sc, rs,
                     fmt::format("'repeat' expects a count or a mapping of key: [values], got {}", count.dump()));
      if (count.get<int64_t>() < 1)
        scopes_.fail(sc, rs, fmt::format("'repeat' must be at least 1, got {}", count.dump()));
      check_layer_budget(sc, rs, count.get<int64_t>());
      instances.assign(static_cast<size_t>(count.get<int64_t>()), Instance{});
    }
  }

  bool parallel = false;
  if (e.contains("parallel")) {
    if (!e["parallel"].is_boolean())
      scopes_.fail(sc, src.at("parallel"),
                   fmt::format("'parallel' expects true or false, got {}", e["parallel"].dump()));
    parallel = e["parallel"].get<bool>();
    if (parallel && !repeated)
      scopes_.fail(sc, src.at("parallel"), "'parallel' needs 'repeat' (it makes the repeats branches)");
  }

  Target group_target;
  const int64_t outer_product = instance_product_;
  instance_product_ *= static_cast<int64_t>(instances.size());  // cannot overflow: checked against the limit
  const size_t layers_before = layers_.size();
  for (size_t r = 0; r < instances.size(); ++r) {
    const std::string local = repeated ? group + "." + std::to_string(r) : group;
    // Chained repeats read the previous instance; parallel ones all read the entry's inputs.
    std::vector<Target> in = r == 0 || parallel ? from : std::vector<Target>{prev};
    Target out = is_layer ? add_layer(sc, e, src, what, local, std::move(in), instances[r])
                          : expand_block_use(sc, e, src, what, local, std::move(in), from_src, instances[r]);
    if (repeated) define(scopes_, sc, local, out, name_src);
    group_target.members.push_back(out);
    prev = out;
    // `repeat: N` of a block makes N identical instances: once the first is made,
    // the total is known exactly, so a block of 3 layers repeated 65536 times fails
    // here instead of after expanding the first 10000 layers.
    if (r == 0 && repeated && !e["repeat"].is_object() && instances.size() > 1)
      check_repeat_total(sc, src.at("repeat"), static_cast<int64_t>(layers_.size() - layers_before),
                         static_cast<int64_t>(instances.size()));
  }
  instance_product_ = outer_product;
  if (parallel) {
    group_target.where = name_src.loc();
    prev = group_target;
  }
  define(scopes_, sc, group, prev, name_src);
}

Target LayerEntries::add_layer(int sc, const json& e, const Src& src, const std::string& type, const std::string& local,
                               std::vector<Target> in, const Instance& inst) {
  if (!has_layer_type(type)) {
    std::string hint;
    if (model_.root().contains("blocks") && model_.root()["blocks"].is_object() &&
        model_.root()["blocks"].contains(type))
      hint = fmt::format("; '{}' is a block: write block: {}", type, type);
    scopes_.fail(sc, src.at("type"),
                 fmt::format("unknown layer type '{}' (known: {}){}", type, join(layer_types()), hint));
  }
  if (static_cast<int64_t>(layers_.size()) >= kMaxModelLayers)
    scopes_.fail(sc, src, fmt::format("the model has more than {} layers; that is the limit", kMaxModelLayers));
  PendingLayer p;
  p.name = scopes_[sc].prefix + local;
  p.type = type;
  p.from = std::move(in);
  p.origin.at = src.loc();
  p.origin.via = scopes_[sc].via;
  p.origin.keys["type"] = src.at("type").loc();
  p.origin.keys["name"] = e.contains("name") ? src.at("name").loc() : src.loc();
  p.origin.keys["from"] = e.contains("from") ? src.at("from").loc() : src.loc();
  for (const auto& [k, v] : e.items()) {
    if (kLayerKeys.count(k)) continue;
    p.attrs[k] = params_.eval(v, src.at(k), sc);
    p.origin.keys[k] = src.at(k).loc();
  }
  for (const auto& [k, vs] : inst) {
    p.attrs[k] = vs.first;
    p.origin.keys[k] = vs.second.loc();
  }
  layers_.push_back(std::move(p));
  return Target::of_tensor(layers_.back().name, src.loc());
}

Target LayerEntries::expand_block_use(int sc, const json& e, const Src& src, const std::string& block,
                                      const std::string& local, std::vector<Target> in, const Src& from_src,
                                      const Instance& inst) {
  const BlockDef& def = blocks_.find(block, scopes_[sc].doc->file(), src.at("block"), scopes_.context(sc));
  const auto& stack = scopes_[sc].block_stack;
  if (std::find(stack.begin(), stack.end(), def.id) != stack.end())
    scopes_.fail(sc, src.at("block"), fmt::format("block '{}' uses itself", block));
  if (scopes_[sc].via.size() >= static_cast<size_t>(kMaxBlockNesting))
    scopes_.fail(sc, src.at("block"),
                 fmt::format("blocks nest more than {} deep (a block used in a block used in ...); the limit is {}",
                             kMaxBlockNesting, kMaxBlockNesting));

  Scope s;
  s.prefix = scopes_[sc].prefix + local + ".";
  s.via = scopes_[sc].via;
  s.via.push_back(fmt::format("block '{}' used at {}", def.name, src.loc().str()));
  s.doc = def.doc;
  s.block_stack = stack;
  s.block_stack.push_back(def.id);
  const json params = def.def.value("params", json::object());
  for (const auto& [k, v] : params.items()) s.params[k] = Slot{v, def.src.at("params").at(k)};
  const int child = scopes_.add(std::move(s));

  std::vector<std::string> param_list;
  for (const auto& [k, v] : params.items()) param_list.push_back(k);
  auto set_param = [&](const std::string& k, json value, const Src& at) {
    auto it = scopes_[child].params.find(k);
    if (it == scopes_[child].params.end())
      scopes_.fail(sc, at,
                   fmt::format("block '{}' has no parameter '{}' (parameters: {})", def.name, k, join(param_list)));
    it->second.value = std::move(value);
    it->second.src = at;
    it->second.done = true;
  };
  for (const auto& [k, v] : e.items()) {
    if (kBlockUseKeys.count(k)) continue;
    if (k == "type" || k == "like") scopes_.fail(sc, src.at(k), fmt::format("'{}' applies to layers, not blocks", k));
    // Check the name before evaluating so a misspelt parameter is reported as such.
    if (!params.contains(k))
      scopes_.fail(sc, src.at(k),
                   fmt::format("block '{}' has no parameter '{}' (parameters: {})", def.name, k, join(param_list)));
    set_param(k, params_.eval(v, src.at(k), sc), src.at(k));
  }
  for (const auto& [k, vs] : inst) set_param(k, vs.first, vs.second);
  for (const auto& [k, slot] : scopes_[child].params)
    if (!slot.done && slot.raw.is_null())
      scopes_.fail(sc, src.at("block"), fmt::format("block '{}' needs parameter '{}'", def.name, k));

  // The block's inputs: `inputs: [a, b]` (default one input called `input`).
  std::vector<std::string> input_names{"input"};
  if (def.def.contains("inputs")) input_names = def.def["inputs"].get<std::vector<std::string>>();
  if (in.size() != input_names.size())
    scopes_.fail(sc, from_src,
                 fmt::format("block '{}' takes {} input(s) ({}), got {}", def.name, input_names.size(),
                             join(input_names), in.size()));
  for (size_t i = 0; i < in.size(); ++i) {
    scopes_[child].names[input_names[i]] = in[i];
    scopes_[child].defined_at[input_names[i]] = def.src.at("inputs").loc();
  }
  scopes_[child].names["input"] = in[0];

  Target last = expand_list(child, def.def["layers"], def.src.at("layers"), in[0]);
  scopes_[sc].children[local] = child;
  if (def.def.contains("output")) {
    return Target::of_name(child, def.def["output"].get<std::string>(), def.src.at("output").loc());
  }
  return last;
}

}  // namespace atrous::expansion
