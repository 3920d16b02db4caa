// The model document's top level — params, blocks, description, name, input,
// dense, classes, layers, output — checked and assembled into the canonical
// spec of a ResolvedModel. The layer lists are expanded by model/layer_entries,
// references resolved by model/name_resolution and ordered by
// model/topological_order.
#include "model/load.hpp"

#include <fmt/format.h>

#include <set>

#include "model/block_library.hpp"
#include "model/document.hpp"
#include "model/expansion.hpp"
#include "model/layer_entries.hpp"
#include "model/name_resolution.hpp"
#include "model/parameters.hpp"
#include "model/topological_order.hpp"

namespace atrous {

using nlohmann::json;

namespace {

using namespace expansion;

ResolvedModel expand(ConfigDoc doc, const ModelOptions& options) {
  for (const auto& o : options.overrides) apply_model_override(doc, o);
  Scopes scopes;
  Parameters params(scopes);
  BlockLibrary blocks(doc, options.block_dirs);
  LayerEntries entries(doc, scopes, params, blocks);

  const json& root = doc.root();
  const Src top{&doc, ""};
  Scope model;
  model.doc = &doc;
  model.names["input"] = Target::of_tensor("input");
  if (root.contains("params")) {
    if (!root["params"].is_object()) scopes.fail(0, top.at("params"), "'params' must be a mapping of name: value");
    for (const auto& [k, v] : root["params"].items()) {
      if (!is_identifier(k))
        fail_at(top.at("params").at(k).loc(), fmt::format("parameter name '{}' is not an identifier", k));
      if (v.is_null()) fail_at(top.at("params").at(k).loc(), fmt::format("parameter '{}' has no value", k));
      model.params[k] = Slot{v, top.at("params").at(k)};
    }
  }
  scopes.add(std::move(model));
  // Evaluate every model parameter now, so that a bad value fails even if unused.
  for (const auto& k : params.names(0)) params.get(0, k);
  // Likewise check every inline block definition, used or not.
  if (root.contains("blocks")) {
    if (!root["blocks"].is_object()) scopes.fail(0, top.at("blocks"), "'blocks' must map block names to definitions");
    for (const auto& [k, v] : root["blocks"].items()) blocks.find(k, doc.file(), top.at("blocks").at(k), "");
  }

  if (root.contains("description") && !root["description"].is_string())
    scopes.fail(0, top.at("description"), "'description' expects a string");

  ResolvedModel m;
  m.file = doc.file();
  for (const char* k : {"name", "input", "dense", "classes", "output", "layers"})
    if (root.contains(k)) m.model_keys[k] = top.at(k).loc();
  json spec = json::object();

  // name
  json name = root.contains("name") ? params.eval(root["name"], top.at("name"), 0) : json(file_stem(doc.file()));
  if (!name.is_string() || name.get<std::string>().empty())
    scopes.fail(0, top.at("name"), fmt::format("'name' expects a string, got {}", name.dump()));
  spec["name"] = name;

  // input: {channels, height, width}, or {channels, length} for a sequence, which
  // is height 1 and width = length (the engine's N x C x 1 x T; nn/conv1d.hpp).
  // The resolved spec always holds channels, height and width.
  if (!root.contains("input") && !options.input)
    scopes.fail(0, top, "missing key 'input' ({channels: C, height: H, width: W} or {channels: C, length: T})");
  json input = json::object();
  if (root.contains("input")) {
    const Src is = top.at("input");
    const json& in = root["input"];
    if (!in.is_object())
      scopes.fail(0, is, "'input' expects {channels: C, height: H, width: W} or {channels: C, length: T}");
    for (const auto& [k, v] : in.items())
      if (k != "channels" && k != "height" && k != "width" && k != "length")
        scopes.fail(0, is.at(k),
                    fmt::format("unknown key '{}' in 'input' (known: channels, height, width; or channels, length)", k));
    const bool sequence = in.contains("length");
    if (sequence && (in.contains("height") || in.contains("width")))
      scopes.fail(0, is.at("length"),
                  "'input' takes 'length' (a sequence: height 1, width = length) or 'height' and 'width', not both");
    const std::vector<const char*> keys =
        sequence ? std::vector<const char*>{"channels", "length"} : std::vector<const char*>{"channels", "height", "width"};
    for (const char* k : keys) {
      if (!in.contains(k)) scopes.fail(0, is, fmt::format("missing key '{}' in 'input'", k));
      const json v = params.eval(in[k], is.at(k), 0);
      if (!v.is_number_integer())
        scopes.fail(0, is.at(k), fmt::format("'input.{}' expects an integer, got {}", k, v.dump()));
      if (v.get<int64_t>() <= 0)
        scopes.fail(0, is.at(k), fmt::format("'input.{}' must be positive, got {}", k, v.dump()));
      if (std::string(k) == "length") {
        input["height"] = 1;
        input["width"] = v;
        // Errors about the height or width point at the length.
        m.model_keys["input.height"] = m.model_keys["input.width"] = is.at(k).loc();
      } else {
        input[k] = v;
        m.model_keys[std::string("input.") + k] = is.at(k).loc();
      }
    }
  }
  if (options.input) {
    if (options.input->c <= 0 || options.input->h <= 0 || options.input->w <= 0)
      throw Error(fmt::format("--input {}: sizes must be positive", options.input->str()), Error::Kind::usage);
    input = {{"channels", options.input->c}, {"height", options.input->h}, {"width", options.input->w}};
  }
  spec["input"] = input;

  // dense, classes
  json dense = root.contains("dense") ? params.eval(root["dense"], top.at("dense"), 0) : json(false);
  if (!dense.is_boolean())
    scopes.fail(0, top.at("dense"), fmt::format("'dense' expects true or false, got {}", dense.dump()));
  spec["dense"] = dense;
  if (root.contains("classes")) {
    json classes = params.eval(root["classes"], top.at("classes"), 0);
    if (!classes.is_number_integer())
      scopes.fail(0, top.at("classes"), fmt::format("'classes' expects an integer, got {}", classes.dump()));
    if (classes.get<int64_t>() <= 0)
      scopes.fail(0, top.at("classes"), fmt::format("'classes' must be positive, got {}", classes.dump()));
    spec["classes"] = classes;
  }

  // layers
  if (!root.contains("layers")) scopes.fail(0, top, "missing key 'layers'");
  Target last = entries.expand_list(0, root["layers"], top.at("layers"), Target::of_tensor("input"));
  for (auto& p : entries.layers())
    for (const auto& t : p.from)
      for (auto& name : resolve(scopes, t)) p.inputs.push_back(std::move(name));
  std::set<std::string> seen;
  for (const auto& p : entries.layers())
    if (!seen.insert(p.name).second) fail_at(p.origin.where("name"), fmt::format("duplicate layer name '{}'", p.name));

  // output
  std::vector<std::string> outputs;
  if (root.contains("output")) {
    if (!root["output"].is_string()) scopes.fail(0, top.at("output"), "'output' expects a layer name");
    outputs = resolve(scopes, Target::of_name(0, root["output"].get<std::string>(), top.at("output").loc()));
  } else {
    outputs = resolve(scopes, last);
  }
  const Src out_src = root.contains("output") ? top.at("output") : top.at("layers");
  if (outputs.size() != 1)
    scopes.fail(0, out_src, fmt::format("the output must be one layer, got {} ({})", outputs.size(), join(outputs)));
  const std::string output = outputs[0];
  if (output == "input") scopes.fail(0, out_src, "the output must be a layer, not the input");
  spec["output"] = output;

  json layers = json::array();
  for (size_t i : topological_order(entries.layers())) {
    PendingLayer& p = entries.layers()[i];
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

}  // namespace

ResolvedModel load_model(const std::string& path, const ModelOptions& options) {
  return expand(load_model_document(path), options);
}

ResolvedModel load_model_string(const std::string& yaml, const std::string& name, const ModelOptions& options) {
  return expand(load_model_document_string(yaml, name), options);
}

}  // namespace atrous
