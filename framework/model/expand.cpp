// Expansion of a model document into a ResolvedModel: parameters and `${}`
// expressions, blocks (inline or from files), `repeat`, named inputs (`from`),
// then name resolution, a topological order and the canonical JSON.
//
// Names are scoped: a block's layers see the block's own names and its inputs
// (`input`, or the names in its `inputs:`), never the caller's. A block used as
// `aspp` prefixes its layers' resolved names with "aspp."; the name `aspp` itself
// refers to the block's output. A repeated entry named `ctx` yields `ctx.0`,
// `ctx.1`, ...; `ctx` refers to the last one, or, with `parallel: true` (every
// instance reads the same inputs), to all of them: `from: [b0, rate]` reads
// b0, rate.0, rate.1, ... `from: enc.pool3` reaches into the block use `enc`. References may point forward (so cycles are possible and are
// reported); they are resolved after everything is expanded.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <set>

#include "core/config.hpp"
#include "core/text_file.hpp"
#include "core/utf8.hpp"
#include "model/document.hpp"
#include "model/expression.hpp"
#include "model/limits.hpp"
#include "model/load.hpp"
#include "nn/registry.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// An error that already carries its location; the expander never relocates it.
// Its text is escaped (core/utf8.hpp): names and values quoted from the file may
// hold newlines, and a message must stay one line.
struct LocatedError : Error {
  LocatedError(const SourceLocation& at, const std::string& message)
      : Error(SourceLocation{printable_utf8(at.file), at.line, at.column}, printable_utf8(message), Kind::usage) {}
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

const std::set<std::string> kLayerKeys = {"type", "name", "from", "repeat", "parallel", "like"};
const std::set<std::string> kBlockUseKeys = {"block", "name", "from", "repeat", "parallel"};
const std::set<std::string> kBlockDefKeys = {"description", "params", "inputs", "layers", "output"};

// A value's place in a document: (document, JSON pointer).
struct Src {
  const ConfigDoc* doc = nullptr;
  std::string ptr;
  SourceLocation loc() const { return doc ? doc->where(ptr) : SourceLocation{}; }
  Src at(const std::string& key) const { return {doc, ptr + "/" + escape_pointer_token(key)}; }
  Src at(size_t index) const { return {doc, ptr + "/" + std::to_string(index)}; }
};

// A reference to tensors: concrete, a local name to look up in a scope, or a
// group (the instances of a parallel repeat).
struct Target {
  std::string tensor;
  int scope = -1;
  std::string local;
  SourceLocation where;
  std::vector<Target> members;

  static Target of_tensor(std::string name, SourceLocation at = {}) {
    Target t;
    t.tensor = std::move(name);
    t.where = std::move(at);
    return t;
  }
  static Target of_name(int scope, std::string local, SourceLocation at) {
    Target t;
    t.scope = scope;
    t.local = std::move(local);
    t.where = std::move(at);
    return t;
  }
};

struct Slot {
  json raw;
  Src src;
  bool done = false, busy = false;
  json value;
  Slot() = default;
  Slot(json r, Src s) : raw(std::move(r)), src(std::move(s)) {}
};

struct Scope {
  std::string prefix;            // "" or "aspp." (resolved-name prefix)
  std::vector<std::string> via;  // block uses that led here, outermost first
  const ConfigDoc* doc = nullptr;
  std::map<std::string, Slot> params;
  std::map<std::string, Target> names;
  std::map<std::string, SourceLocation> defined_at;
  std::map<std::string, int> children;  // block-use instance name -> its scope
  std::vector<std::string> block_stack;  // block identities, against recursion
};

struct BlockDef {
  std::string name, id;
  const ConfigDoc* doc = nullptr;
  Src src;
  json def;
};

struct Pending {
  std::string name, type;
  json attrs = json::object();
  std::vector<Target> from;
  LayerOrigin origin;
  std::vector<std::string> inputs;  // resolved
};

class Expander;

class ScopeVars : public Variables {
 public:
  ScopeVars(Expander& e, int scope) : e_(e), scope_(scope) {}
  std::optional<json> get(const std::string& name) const override;
  std::vector<std::string> names() const override;

 private:
  Expander& e_;
  int scope_;
};

class Expander {
 public:
  Expander(ConfigDoc doc, ModelOptions options) : doc_(std::move(doc)), opt_(std::move(options)) {}
  ResolvedModel run();

  std::optional<json> param(int sc, const std::string& name);
  std::vector<std::string> param_names(int sc) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : scopes_[sc].params) out.push_back(k);
    return out;
  }

 private:
  std::string context(int sc) const {
    if (sc < 0 || static_cast<size_t>(sc) >= scopes_.size()) return "";  // the model's scope is not made yet
    const auto& via = scopes_[sc].via;
    if (via.empty()) return "";
    std::string out;
    for (auto it = via.rbegin(); it != via.rend(); ++it) out += (out.empty() ? "" : "; ") + *it;
    return " (in " + out + ")";
  }
  [[noreturn]] void fail(int sc, const Src& src, const std::string& message) const {
    throw LocatedError(src.loc(), message + context(sc));
  }
  [[noreturn]] void fail_at(const SourceLocation& at, const std::string& message) const {
    throw LocatedError(at, message);
  }

  json eval(const json& raw, const Src& src, int sc);
  int new_scope(Scope s) {
    scopes_.push_back(std::move(s));
    return static_cast<int>(scopes_.size()) - 1;
  }
  void define(int sc, const std::string& local, Target t, const Src& src);
  void check_layer_budget(int sc, const Src& repeat_src, int64_t count) const;
  void check_repeat_total(int sc, const Src& repeat_src, int64_t per_instance, int64_t count) const;
  Target expand_list(int sc, const json& list, const Src& src, Target prev);
  void expand_entry(int sc, const json& e, const Src& src, size_t index, Target& prev);
  Target add_layer(int sc, const json& e, const Src& src, const std::string& type, const std::string& local,
                   std::vector<Target> in, const std::map<std::string, std::pair<json, Src>>& inst);
  Target expand_block_use(int sc, const json& e, const Src& src, const std::string& block, const std::string& local,
                          std::vector<Target> in, const Src& from_src,
                          const std::map<std::string, std::pair<json, Src>>& inst);
  const BlockDef& find_block(int sc, const std::string& name, const Src& src);
  const BlockDef& block_from_file(int sc, const std::string& name, const std::string& path, const Src& src);
  void check_block_def(const BlockDef& b) const;
  Target lookup(int sc, const std::string& local, const SourceLocation& where, int depth);
  std::vector<std::string> resolve(const Target& t, int depth = 0);
  std::vector<size_t> topological_order();

  ConfigDoc doc_;
  ModelOptions opt_;
  std::deque<Scope> scopes_;
  std::map<std::string, std::unique_ptr<ConfigDoc>> block_files_;
  std::map<std::string, BlockDef> blocks_;
  std::vector<Pending> layers_;
  int param_depth_ = 0;           // parameters being evaluated, each for the next (a chain)
  int64_t instance_product_ = 1;  // the product of the repeat counts of the entries being expanded
};

std::optional<json> ScopeVars::get(const std::string& name) const { return e_.param(scope_, name); }
std::vector<std::string> ScopeVars::names() const { return e_.param_names(scope_); }

std::optional<json> Expander::param(int sc, const std::string& name) {
  auto it = scopes_[sc].params.find(name);
  if (it == scopes_[sc].params.end()) return std::nullopt;
  Slot& s = it->second;
  if (s.done) return s.value;
  if (s.busy) fail(sc, s.src, fmt::format("parameter '{}' depends on itself", name));
  // Each parameter defined from another recurses once; a long chain would overflow the stack.
  if (param_depth_ >= kMaxParameterChain)
    fail(sc, s.src,
         fmt::format("parameter '{}': more than {} parameters each defined from the next; the limit is {}", name,
                     kMaxParameterChain, kMaxParameterChain));
  s.busy = true;
  ++param_depth_;
  json v = eval(s.raw, s.src, sc);
  --param_depth_;
  Slot& again = scopes_[sc].params.at(name);  // (the deque keeps references stable; be explicit anyway)
  again.value = std::move(v);
  again.done = true;
  again.busy = false;
  return again.value;
}

json Expander::eval(const json& raw, const Src& src, int sc) {
  if (raw.is_string()) {
    const auto& s = raw.get_ref<const std::string&>();
    if (!has_template(s)) return raw;
    try {
      return evaluate_template(s, ScopeVars(*this, sc));
    } catch (const LocatedError&) {
      throw;
    } catch (const Error& e) {
      fail(sc, src, e.what());
    }
  }
  if (raw.is_array()) {
    json out = json::array();
    for (size_t i = 0; i < raw.size(); ++i) out.push_back(eval(raw[i], src.at(i), sc));
    return out;
  }
  if (raw.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : raw.items()) out[k] = eval(v, src.at(k), sc);
    return out;
  }
  return raw;
}

void Expander::define(int sc, const std::string& local, Target t, const Src& src) {
  Scope& s = scopes_[sc];
  if (local == "input") fail(sc, src, "'input' is reserved for the model's (or block's) input; choose another name");
  auto it = s.defined_at.find(local);
  if (it != s.defined_at.end() || s.names.count(local))
    fail(sc, src,
         fmt::format("duplicate layer name '{}' (first defined at {})", local,
                     it != s.defined_at.end() ? it->second.str() : "an input"));
  s.names[local] = std::move(t);
  s.defined_at[local] = src.loc();
}

// A repeated entry makes count instances for each instance of the entries
// around it: checked before anything is expanded, so that `repeat: 1000000000`
// or ten nested `repeat: 10` fail at once instead of filling memory.
void Expander::check_layer_budget(int sc, const Src& repeat_src, int64_t count) const {
  int64_t total = 0;
  const bool overflows = __builtin_mul_overflow(instance_product_, count, &total);
  if (!overflows && total <= kMaxModelLayers) return;
  const std::string around =
      instance_product_ > 1 ? fmt::format(" ({} for each of the {} instances around it)", count, instance_product_) : "";
  fail(sc, repeat_src,
       fmt::format("'repeat' makes {} instances{}, so at least {} layers; a model may have at most {} layers", count,
                   around, overflows ? "2^63" : std::to_string(total), kMaxModelLayers));
}

// After the first of `count` identical instances made `per_instance` layers.
void Expander::check_repeat_total(int sc, const Src& repeat_src, int64_t per_instance, int64_t count) const {
  int64_t more = 0, total = 0;
  const bool overflows = __builtin_mul_overflow(per_instance, count - 1, &more) ||
                         __builtin_add_overflow(static_cast<int64_t>(layers_.size()), more, &total);
  if (!overflows && total <= kMaxModelLayers) return;
  fail(sc, repeat_src,
       fmt::format("'repeat' makes {} instances of {} layer(s) each, so the model would have {} layers; a model may "
                   "have at most {} layers",
                   count, per_instance, overflows ? "over 2^63" : std::to_string(total), kMaxModelLayers));
}

Target Expander::expand_list(int sc, const json& list, const Src& src, Target prev) {
  if (!list.is_array()) fail(sc, src, "'layers' must be a list of layers");
  if (list.empty()) fail(sc, src, "'layers' must not be empty");
  for (size_t i = 0; i < list.size(); ++i) expand_entry(sc, list[i], src.at(i), i, prev);
  return prev;
}

void Expander::expand_entry(int sc, const json& e, const Src& src, size_t index, Target& prev) {
  if (!e.is_object()) fail(sc, src, "a layer must be a mapping with 'type' (a layer) or 'block' (a block)");
  const bool is_block = e.contains("block"), is_layer = e.contains("type");
  if (is_block && is_layer) fail(sc, src.at("block"), "a layer has 'type' (a layer) or 'block' (a block), not both");
  if (!is_block && !is_layer) fail(sc, src, "missing key 'type' (a layer type) or 'block' (a block name)");
  const std::string kind_key = is_block ? "block" : "type";
  const json kind = eval(e[kind_key], src.at(kind_key), sc);
  if (!kind.is_string() || kind.get<std::string>().empty())
    fail(sc, src.at(kind_key), fmt::format("'{}' expects a name, got {}", kind_key, kind.dump()));
  const std::string what = kind.get<std::string>();

  // The entry's local name: given, or the type/block and the entry's index.
  std::string group;
  Src name_src = src;
  if (e.contains("name")) {
    name_src = src.at("name");
    if (!e["name"].is_string()) fail(sc, name_src, fmt::format("'name' expects a string, got {}", e["name"].dump()));
    group = e["name"].get<std::string>();
    if (!is_identifier(group))
      fail(sc, name_src,
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
        fail(sc, vs, fmt::format("'from' expects a layer name or a list of names, got {}", v.dump()));
      from.push_back(Target::of_name(sc, v.get<std::string>(), vs.loc()));
    };
    if (f.is_array()) {
      if (f.empty()) fail(sc, from_src, "'from' must name at least one input");
      for (size_t i = 0; i < f.size(); ++i) add(f[i], from_src.at(i));
    } else {
      add(f, from_src);
    }
  } else {
    from.push_back(prev);
  }
  if (e.contains("like")) {
    if (is_block) fail(sc, src.at("like"), "'like' applies to layers (resize), not blocks");
    const json& l = e["like"];
    if (!l.is_string()) fail(sc, src.at("like"), fmt::format("'like' expects a layer name, got {}", l.dump()));
    from.push_back(Target::of_name(sc, l.get<std::string>(), src.at("like").loc()));
  }

  // Repeat: a count, or per-key lists of values (one instance per position).
  using Instance = std::map<std::string, std::pair<json, Src>>;
  std::vector<Instance> instances(1);
  const bool repeated = e.contains("repeat");
  if (repeated) {
    const Src rs = src.at("repeat");
    const json& r = e["repeat"];
    if (r.is_object()) {
      if (r.empty()) fail(sc, rs, "'repeat' needs at least one key with a list of values");
      size_t n = 0;
      std::string first;
      for (const auto& [k, v] : r.items()) {
        const Src ks = rs.at(k);
        if (e.contains(k)) fail(sc, ks, fmt::format("'{}' is given both directly and in 'repeat'", k));
        if (kLayerKeys.count(k) || k == "block")
          fail(sc, ks, fmt::format("'{}' cannot be repeated; repeat attributes or block parameters", k));
        const json vals = eval(v, ks, sc);
        if (!vals.is_array())
          fail(sc, ks, fmt::format("repeat '{}' expects a list of per-repeat values, got {}", k, vals.dump()));
        if (vals.empty()) fail(sc, ks, fmt::format("repeat '{}' must have at least one value", k));
        if (n == 0) {
          n = vals.size();
          first = k;
          instances.assign(n, Instance{});
        } else if (vals.size() != n) {
          fail(sc, ks, fmt::format("repeat '{}' has {} values but '{}' has {}", k, vals.size(), first, n));
        }
        for (size_t i = 0; i < n; ++i) instances[i][k] = {vals[i], v.is_array() ? ks.at(i) : ks};
      }
      check_layer_budget(sc, rs, static_cast<int64_t>(n));
    } else {
      const json count = eval(r, rs, sc);
      if (!count.is_number_integer())
        fail(sc, rs, fmt::format("'repeat' expects a count or a mapping of key: [values], got {}", count.dump()));
      if (count.get<int64_t>() < 1) fail(sc, rs, fmt::format("'repeat' must be at least 1, got {}", count.dump()));
      check_layer_budget(sc, rs, count.get<int64_t>());
      instances.assign(static_cast<size_t>(count.get<int64_t>()), Instance{});
    }
  }

  bool parallel = false;
  if (e.contains("parallel")) {
    if (!e["parallel"].is_boolean())
      fail(sc, src.at("parallel"), fmt::format("'parallel' expects true or false, got {}", e["parallel"].dump()));
    parallel = e["parallel"].get<bool>();
    if (parallel && !repeated) fail(sc, src.at("parallel"), "'parallel' needs 'repeat' (it makes the repeats branches)");
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
    if (repeated) define(sc, local, out, name_src);
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
  define(sc, group, prev, name_src);
}

Target Expander::add_layer(int sc, const json& e, const Src& src, const std::string& type, const std::string& local,
                           std::vector<Target> in, const std::map<std::string, std::pair<json, Src>>& inst) {
  if (!has_layer_type(type)) {
    std::string hint;
    if (doc_.root().contains("blocks") && doc_.root()["blocks"].is_object() && doc_.root()["blocks"].contains(type))
      hint = fmt::format("; '{}' is a block: write block: {}", type, type);
    fail(sc, src.at("type"), fmt::format("unknown layer type '{}' (known: {}){}", type, join(layer_types()), hint));
  }
  if (static_cast<int64_t>(layers_.size()) >= kMaxModelLayers)
    fail(sc, src, fmt::format("the model has more than {} layers; that is the limit", kMaxModelLayers));
  Pending p;
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
    p.attrs[k] = eval(v, src.at(k), sc);
    p.origin.keys[k] = src.at(k).loc();
  }
  for (const auto& [k, vs] : inst) {
    p.attrs[k] = vs.first;
    p.origin.keys[k] = vs.second.loc();
  }
  layers_.push_back(std::move(p));
  return Target::of_tensor(layers_.back().name, src.loc());
}

Target Expander::expand_block_use(int sc, const json& e, const Src& src, const std::string& block,
                                  const std::string& local, std::vector<Target> in, const Src& from_src,
                                  const std::map<std::string, std::pair<json, Src>>& inst) {
  const BlockDef& def = find_block(sc, block, src.at("block"));
  const auto& stack = scopes_[sc].block_stack;
  if (std::find(stack.begin(), stack.end(), def.id) != stack.end())
    fail(sc, src.at("block"), fmt::format("block '{}' uses itself", block));
  if (scopes_[sc].via.size() >= static_cast<size_t>(kMaxBlockNesting))
    fail(sc, src.at("block"),
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
  const int child = new_scope(std::move(s));

  std::vector<std::string> param_list;
  for (const auto& [k, v] : params.items()) param_list.push_back(k);
  auto set_param = [&](const std::string& k, json value, const Src& at) {
    auto it = scopes_[child].params.find(k);
    if (it == scopes_[child].params.end())
      fail(sc, at, fmt::format("block '{}' has no parameter '{}' (parameters: {})", def.name, k, join(param_list)));
    it->second.value = std::move(value);
    it->second.src = at;
    it->second.done = true;
  };
  for (const auto& [k, v] : e.items()) {
    if (kBlockUseKeys.count(k)) continue;
    if (k == "type" || k == "like") fail(sc, src.at(k), fmt::format("'{}' applies to layers, not blocks", k));
    // Check the name before evaluating so a misspelt parameter is reported as such.
    if (!params.contains(k))
      fail(sc, src.at(k), fmt::format("block '{}' has no parameter '{}' (parameters: {})", def.name, k, join(param_list)));
    set_param(k, eval(v, src.at(k), sc), src.at(k));
  }
  for (const auto& [k, vs] : inst) set_param(k, vs.first, vs.second);
  for (const auto& [k, slot] : scopes_[child].params)
    if (!slot.done && slot.raw.is_null())
      fail(sc, src.at("block"), fmt::format("block '{}' needs parameter '{}'", def.name, k));

  // The block's inputs: `inputs: [a, b]` (default one input called `input`).
  std::vector<std::string> input_names{"input"};
  if (def.def.contains("inputs")) input_names = def.def["inputs"].get<std::vector<std::string>>();
  if (in.size() != input_names.size())
    fail(sc, from_src,
         fmt::format("block '{}' takes {} input(s) ({}), got {}", def.name, input_names.size(), join(input_names),
                     in.size()));
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

void Expander::check_block_def(const BlockDef& b) const {
  auto bad = [&](const Src& at, const std::string& m) { fail_at(at.loc(), fmt::format("block '{}': {}", b.name, m)); };
  if (!b.def.is_object()) bad(b.src, "a block must be a mapping with 'layers'");
  for (const auto& [k, v] : b.def.items())
    if (!kBlockDefKeys.count(k))
      bad(b.src.at(k), fmt::format("unknown key '{}' in a block (known: description, params, inputs, layers, output)", k));
  if (!b.def.contains("layers")) bad(b.src, "missing key 'layers'");
  if (b.def.contains("params")) {
    if (!b.def["params"].is_object()) bad(b.src.at("params"), "'params' must be a mapping of name: default");
    for (const auto& [k, v] : b.def["params"].items())
      if (!is_identifier(k)) bad(b.src.at("params").at(k), fmt::format("parameter name '{}' is not an identifier", k));
  }
  if (b.def.contains("inputs")) {
    const json& in = b.def["inputs"];
    if (!in.is_array() || in.empty()) bad(b.src.at("inputs"), "'inputs' must be a non-empty list of names");
    std::set<std::string> seen;
    for (size_t i = 0; i < in.size(); ++i)
      if (!in[i].is_string() || !is_identifier(in[i].get<std::string>()) || !seen.insert(in[i].get<std::string>()).second)
        bad(b.src.at("inputs").at(i), fmt::format("input names must be distinct identifiers, got {}", in[i].dump()));
  }
  if (b.def.contains("output") && !b.def["output"].is_string())
    bad(b.src.at("output"), "'output' must name a layer of the block");
}

const BlockDef& Expander::block_from_file(int sc, const std::string& name, const std::string& path, const Src& src) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  const std::string id = ec ? path : canonical.string();
  auto it = blocks_.find(id);
  if (it != blocks_.end()) return it->second;
  if (!fs::exists(path, ec) && !ec) fail(sc, src, fmt::format("block '{}': no such file '{}'", name, path));
  std::string text;
  try {
    text = read_text_file(path, "block file");  // the one safe reader: no FIFOs, directories, huge files
  } catch (const Error& e) {
    fail(sc, src, fmt::format("block '{}': {}", name, e.what()));
  }
  auto doc = std::make_unique<ConfigDoc>(ConfigDoc::load_string(text, path));
  BlockDef b{fs::path(path).stem().string(), id, doc.get(), Src{doc.get(), ""}, doc->root()};
  block_files_[id] = std::move(doc);
  check_block_def(b);
  return blocks_.emplace(id, std::move(b)).first->second;
}

const BlockDef& Expander::find_block(int sc, const std::string& name, const Src& src) {
  const std::string here = directory_of(scopes_[sc].doc->file());
  if (name.find('/') != std::string::npos || fs::path(name).extension() == ".yaml")
    return block_from_file(sc, name, (fs::path(here) / name).lexically_normal().string(), src);
  const json& inline_blocks = doc_.root().value("blocks", json::object());
  if (!inline_blocks.is_object()) fail(0, Src{&doc_, "/blocks"}, "'blocks' must map block names to definitions");
  if (inline_blocks.contains(name)) {
    const std::string id = "inline:" + name;
    auto it = blocks_.find(id);
    if (it != blocks_.end()) return it->second;
    if (!is_identifier(name)) fail(0, Src{&doc_, "/blocks/" + escape_pointer_token(name)}, "block names must be identifiers");
    BlockDef b{name, id, &doc_, Src{&doc_, "/blocks/" + escape_pointer_token(name)}, inline_blocks[name]};
    check_block_def(b);
    return blocks_.emplace(id, std::move(b)).first->second;
  }
  std::vector<std::string> dirs{(fs::path(here) / ".." / "blocks").lexically_normal().string()};
  for (const auto& d : opt_.block_dirs) dirs.push_back(d);
  dirs.push_back(std::string(ATROUS_SOURCE_DIR) + "/configs/blocks");
  for (const auto& d : dirs) {
    const fs::path p = fs::path(d) / (name + ".yaml");
    std::error_code ec;  // a symlink loop counts as there; block_from_file reports it
    if (fs::exists(p, ec) || ec) return block_from_file(sc, name, p.string(), src);
  }
  std::vector<std::string> inline_names;
  for (const auto& [k, v] : inline_blocks.items()) inline_names.push_back(k);
  const std::string hint = has_layer_type(name) ? fmt::format("; '{}' is a layer type: write type: {}", name, name) : "";
  fail(sc, src,
       fmt::format("unknown block '{}' (inline blocks: {}; looked for {}.yaml in: {}){}", name, join(inline_names),
                   name, join(dirs), hint));
}

Target Expander::lookup(int sc, const std::string& local, const SourceLocation& where, int depth) {
  if (depth > 10000) fail_at(where, fmt::format("'{}' refers to itself", local));
  const Scope& s = scopes_[sc];
  auto it = s.names.find(local);
  if (it != s.names.end()) return it->second;
  // `enc.pool3`: the longest prefix that is a block use, then the rest inside it.
  for (size_t dot = local.rfind('.'); dot != std::string::npos && dot > 0; dot = local.rfind('.', dot - 1)) {
    auto c = s.children.find(local.substr(0, dot));
    if (c != s.children.end()) return lookup(c->second, local.substr(dot + 1), where, depth + 1);
  }
  std::vector<std::string> known;
  for (const auto& [k, v] : s.names) known.push_back(k);
  fail_at(where, fmt::format("no layer named '{}' here (names in this scope: {})", local, join(known)) +
                     (s.via.empty() ? "" : context(sc)));
}

std::vector<std::string> Expander::resolve(const Target& t, int depth) {
  if (depth > 10000) fail_at(t.where, fmt::format("'{}' refers to itself", t.local));
  if (!t.tensor.empty()) return {t.tensor};
  if (!t.members.empty()) {
    std::vector<std::string> out;
    for (const auto& m : t.members)
      for (auto& name : resolve(m, depth + 1)) out.push_back(std::move(name));
    return out;
  }
  Target next = lookup(t.scope, t.local, t.where, 0);
  if (!next.where.known()) next.where = t.where;
  return resolve(next, depth + 1);
}

std::vector<size_t> Expander::topological_order() {
  const size_t n = layers_.size();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index[layers_[i].name] = i;
  std::vector<std::vector<size_t>> users(n);
  std::vector<size_t> pending(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (const auto& in : layers_[i].inputs)
      if (in != "input") {
        users[index.at(in)].push_back(i);
        ++pending[i];
      }
  // Kahn's algorithm, always taking the earliest written layer that is ready, so
  // the order is the written one whenever that is already valid.
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.insert(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.insert(u);
  }
  if (order.size() == n) return order;
  // A cycle: walk backwards through inputs that are still pending until a layer repeats.
  size_t cur = n;
  for (size_t i = 0; i < n && cur == n; ++i)
    if (pending[i] > 0) cur = i;
  std::vector<size_t> path;
  while (std::find(path.begin(), path.end(), cur) == path.end()) {
    path.push_back(cur);
    for (const auto& in : layers_[cur].inputs)
      if (in != "input" && pending[index.at(in)] > 0) {
        cur = index.at(in);
        break;
      }
  }
  path.erase(path.begin(), std::find(path.begin(), path.end(), cur));
  // Walking inputs went against the data flow; report it along the flow, from `cur`.
  std::reverse(path.begin(), path.end());
  std::rotate(path.begin(), std::find(path.begin(), path.end(), cur), path.end());
  std::string chain;
  for (size_t i : path) chain += layers_[i].name + " -> ";
  chain += layers_[path.front()].name;
  const Pending& first = layers_[path.front()];
  fail_at(first.origin.where("from"), fmt::format("layers form a cycle: {} (each feeds the next)", chain) +
                                          first.origin.context());
}

ResolvedModel Expander::run() {
  const json& root = doc_.root();
  const Src top{&doc_, ""};
  Scope model;
  model.doc = &doc_;
  model.names["input"] = Target::of_tensor("input");
  if (root.contains("params")) {
    if (!root["params"].is_object()) fail(0, top.at("params"), "'params' must be a mapping of name: value");
    for (const auto& [k, v] : root["params"].items()) {
      if (!is_identifier(k)) fail_at(top.at("params").at(k).loc(), fmt::format("parameter name '{}' is not an identifier", k));
      if (v.is_null()) fail_at(top.at("params").at(k).loc(), fmt::format("parameter '{}' has no value", k));
      model.params[k] = Slot{v, top.at("params").at(k)};
    }
  }
  new_scope(std::move(model));
  // Evaluate every model parameter now, so that a bad value fails even if unused.
  for (const auto& k : param_names(0)) param(0, k);
  // Likewise check every inline block definition, used or not.
  if (root.contains("blocks")) {
    if (!root["blocks"].is_object()) fail(0, top.at("blocks"), "'blocks' must map block names to definitions");
    for (const auto& [k, v] : root["blocks"].items()) find_block(0, k, top.at("blocks").at(k));
  }

  if (root.contains("description") && !root["description"].is_string())
    fail(0, top.at("description"), "'description' expects a string");

  ResolvedModel m;
  m.file = doc_.file();
  for (const char* k : {"name", "input", "dense", "classes", "output", "layers"})
    if (root.contains(k)) m.model_keys[k] = top.at(k).loc();
  json spec = json::object();

  // name
  json name = root.contains("name") ? eval(root["name"], top.at("name"), 0) : json(file_stem(doc_.file()));
  if (!name.is_string() || name.get<std::string>().empty())
    fail(0, top.at("name"), fmt::format("'name' expects a string, got {}", name.dump()));
  spec["name"] = name;

  // input
  if (!root.contains("input") && !opt_.input)
    fail(0, top, "missing key 'input' ({channels: C, height: H, width: W})");
  json input = json::object();
  if (root.contains("input")) {
    const Src is = top.at("input");
    const json& in = root["input"];
    if (!in.is_object()) fail(0, is, "'input' expects {channels: C, height: H, width: W}");
    for (const auto& [k, v] : in.items())
      if (k != "channels" && k != "height" && k != "width")
        fail(0, is.at(k), fmt::format("unknown key '{}' in 'input' (known: channels, height, width)", k));
    for (const char* k : {"channels", "height", "width"}) {
      if (!in.contains(k)) fail(0, is, fmt::format("missing key '{}' in 'input'", k));
      const json v = eval(in[k], is.at(k), 0);
      if (!v.is_number_integer()) fail(0, is.at(k), fmt::format("'input.{}' expects an integer, got {}", k, v.dump()));
      if (v.get<int64_t>() <= 0) fail(0, is.at(k), fmt::format("'input.{}' must be positive, got {}", k, v.dump()));
      input[k] = v;
      m.model_keys[std::string("input.") + k] = is.at(k).loc();
    }
  }
  if (opt_.input) {
    if (opt_.input->c <= 0 || opt_.input->h <= 0 || opt_.input->w <= 0)
      throw Error(fmt::format("--input {}: sizes must be positive", opt_.input->str()), Error::Kind::usage);
    input = {{"channels", opt_.input->c}, {"height", opt_.input->h}, {"width", opt_.input->w}};
  }
  spec["input"] = input;

  // dense, classes
  json dense = root.contains("dense") ? eval(root["dense"], top.at("dense"), 0) : json(false);
  if (!dense.is_boolean()) fail(0, top.at("dense"), fmt::format("'dense' expects true or false, got {}", dense.dump()));
  spec["dense"] = dense;
  if (root.contains("classes")) {
    json classes = eval(root["classes"], top.at("classes"), 0);
    if (!classes.is_number_integer())
      fail(0, top.at("classes"), fmt::format("'classes' expects an integer, got {}", classes.dump()));
    if (classes.get<int64_t>() <= 0)
      fail(0, top.at("classes"), fmt::format("'classes' must be positive, got {}", classes.dump()));
    spec["classes"] = classes;
  }

  // layers
  if (!root.contains("layers")) fail(0, top, "missing key 'layers'");
  Target last = expand_list(0, root["layers"], top.at("layers"), Target::of_tensor("input"));
  for (auto& p : layers_)
    for (const auto& t : p.from)
      for (auto& name : resolve(t)) p.inputs.push_back(std::move(name));
  std::set<std::string> seen;
  for (const auto& p : layers_)
    if (!seen.insert(p.name).second) fail_at(p.origin.where("name"), fmt::format("duplicate layer name '{}'", p.name));

  // output
  std::vector<std::string> outputs;
  if (root.contains("output")) {
    if (!root["output"].is_string()) fail(0, top.at("output"), "'output' expects a layer name");
    outputs = resolve(Target::of_name(0, root["output"].get<std::string>(), top.at("output").loc()));
  } else {
    outputs = resolve(last);
  }
  const Src out_src = root.contains("output") ? top.at("output") : top.at("layers");
  if (outputs.size() != 1)
    fail(0, out_src, fmt::format("the output must be one layer, got {} ({})", outputs.size(), join(outputs)));
  const std::string output = outputs[0];
  if (output == "input") fail(0, out_src, "the output must be a layer, not the input");
  spec["output"] = output;

  json layers = json::array();
  for (size_t i : topological_order()) {
    Pending& p = layers_[i];
    json l = p.attrs;
    l["name"] = p.name;
    l["type"] = p.type;
    l["from"] = p.inputs;
    layers.push_back(std::move(l));
    m.origins[p.name] = std::move(p.origin);
  }
  spec["layers"] = std::move(layers);
  m.spec = std::move(spec);
  return m;
}

ResolvedModel expand(ConfigDoc doc, const ModelOptions& options) {
  for (const auto& o : options.overrides) apply_model_override(doc, o);
  return Expander(std::move(doc), options).run();
}
}  // namespace

ResolvedModel load_model(const std::string& path, const ModelOptions& options) {
  return expand(load_model_document(path), options);
}

ResolvedModel load_model_string(const std::string& yaml, const std::string& name, const ModelOptions& options) {
  return expand(load_model_document_string(yaml, name), options);
}

}  // namespace atrous
