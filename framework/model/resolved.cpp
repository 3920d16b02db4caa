#include "model/resolved.hpp"

#include <fmt/format.h>

#include <set>

namespace atrous {

using nlohmann::json;

SourceLocation LayerOrigin::where(const std::string& key) const {
  if (!key.empty()) {
    auto it = keys.find(key);
    if (it != keys.end() && it->second.known()) return it->second;
  }
  return at;
}

std::string LayerOrigin::context() const {
  if (via.empty()) return "";
  std::string out;
  for (auto it = via.rbegin(); it != via.rend(); ++it) out += (out.empty() ? "" : "; ") + *it;
  return " (in " + out + ")";
}

const std::string& ResolvedModel::name() const {
  static const std::string none;
  auto it = spec.find("name");
  return it != spec.end() && it->is_string() ? it->get_ref<const std::string&>() : none;
}

SourceLocation ResolvedModel::where(const std::string& layer, const std::string& key) const {
  auto it = origins.find(layer);
  if (it != origins.end()) {
    SourceLocation loc = it->second.where(key);
    if (loc.known()) return loc;
  }
  return {file, 0, 0};
}

SourceLocation ResolvedModel::where_model(const std::string& key) const {
  auto it = model_keys.find(key);
  if (it != model_keys.end() && it->second.known()) return it->second;
  return {file, 0, 0};
}

void ResolvedModel::fail(const std::string& layer, const std::string& key, const std::string& message) const {
  std::string type;
  for (const auto& l : spec.value("layers", json::array()))
    if (l.value("name", "") == layer) type = l.value("type", "");
  const std::string who = type.empty() ? fmt::format("layer '{}'", layer) : fmt::format("layer '{}' ({})", layer, type);
  auto it = origins.find(layer);
  const std::string ctx = it != origins.end() ? it->second.context() : "";
  throw Error(where(layer, key), fmt::format("{}: {}{}", who, message, ctx), Error::Kind::usage);
}

void ResolvedModel::fail_model(const std::string& key, const std::string& message) const {
  throw Error(where_model(key), message, Error::Kind::usage);
}

ResolvedModel resolved_from_json(const json& spec, const std::string& what) {
  const SourceLocation at{what, 0, 0};
  auto bad = [&](const std::string& m) { throw Error(at, "resolved model: " + m, Error::Kind::usage); };
  if (!spec.is_object()) bad("expected a JSON object");
  for (const auto& [k, v] : spec.items())
    if (k != "name" && k != "input" && k != "dense" && k != "classes" && k != "output" && k != "layers")
      bad("unknown key '" + k + "'");
  if (!spec.contains("name") || !spec["name"].is_string()) bad("'name' must be a string");
  const json& in = spec.value("input", json());
  for (const char* k : {"channels", "height", "width"})
    if (!in.is_object() || !in.contains(k) || !in[k].is_number_integer() || in[k].get<int64_t>() <= 0)
      bad(fmt::format("'input.{}' must be a positive integer", k));
  if (!spec.contains("dense") || !spec["dense"].is_boolean()) bad("'dense' must be true or false");
  if (spec.contains("classes") && !spec["classes"].is_number_integer()) bad("'classes' must be an integer");
  if (!spec.contains("layers") || !spec["layers"].is_array() || spec["layers"].empty())
    bad("'layers' must be a non-empty list");
  std::set<std::string> seen{"input"};
  for (const auto& l : spec["layers"]) {
    if (!l.is_object() || !l.contains("name") || !l["name"].is_string() || !l.contains("type") ||
        !l["type"].is_string() || !l.contains("from") || !l["from"].is_array())
      bad("every layer needs 'name', 'type' and 'from': " + l.dump());
    const std::string name = l["name"].get<std::string>();
    for (const auto& f : l["from"])
      if (!f.is_string() || !seen.count(f.get<std::string>()))
        bad(fmt::format("layer '{}' reads {}, which is not an earlier layer", name, f.dump()));
    if (!seen.insert(name).second) bad(fmt::format("duplicate layer name '{}'", name));
  }
  if (!spec.contains("output") || !spec["output"].is_string() || !seen.count(spec["output"].get<std::string>()) ||
      spec["output"] == "input")
    bad("'output' must name a layer");
  ResolvedModel m;
  m.spec = spec;
  m.file = what;
  return m;
}

}  // namespace atrous
