#include "train/run_config.hpp"

#include <filesystem>

#include "model/build.hpp"
#include "model/load.hpp"
#include "train/stages.hpp"

namespace atrous {

namespace {

RunConfig assemble(ResolvedModel model, DataConfig data, Recipe train) {
  // The stage globs name layers: checked here, where recipe and model first meet,
  // so that a sweep's plan reports a wrong one before anything runs.
  std::vector<std::string> layer_names;
  for (const auto& layer : model.spec.at("layers")) layer_names.push_back(layer.at("name").get<std::string>());
  check_stage_globs(train, layer_names);
  RunConfig run{std::move(model), std::move(data), std::move(train), {}};
  run.resolved = {{"model", run.model.spec}, {"data", run.data.resolved()}, {"train", run.train.resolved()}};
  // nlohmann::json objects are std::map-backed: dump() already sorts keys, so a
  // round trip through text gives the same canonical form.
  run.resolved = nlohmann::json::parse(run.resolved.dump());
  return run;
}

struct SplitOverrides {
  std::vector<std::string> model, data, train;
};

SplitOverrides split_all(const std::vector<std::string>& overrides) {
  SplitOverrides s;
  for (const auto& o : overrides) {
    auto [doc, rest] = split_run_override(o);
    (doc == "model" ? s.model : doc == "data" ? s.data : s.train).push_back(rest);
  }
  return s;
}

// Flattens the run file's `set` mapping into "a.b=value" assignments.
void flatten(const nlohmann::json& node, const std::string& prefix, std::vector<std::string>& out) {
  if (node.is_object() && !node.empty()) {
    for (const auto& [k, v] : node.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
    return;
  }
  out.push_back(prefix + "=" + (node.is_string() ? node.get<std::string>() : node.dump()));
}

}  // namespace

std::string RunConfig::hash() const {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : canonical()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

std::pair<std::string, std::string> split_run_override(const std::string& assignment) {
  const auto dot = assignment.find('.');
  const auto eq = assignment.find('=');
  const std::string doc = dot == std::string::npos ? "" : assignment.substr(0, dot);
  if (eq == std::string::npos || dot > eq || (doc != "model" && doc != "data" && doc != "train"))
    throw Error(fmt::format("--set '{}': expected model.KEY=VALUE, data.KEY=VALUE or train.KEY=VALUE", assignment),
                Error::Kind::usage);
  return {doc, assignment.substr(dot + 1)};
}

RunConfig load_run(const std::string& model_path, const std::string& data_path, const std::string& train_path,
                   const std::vector<std::string>& overrides) {
  const SplitOverrides s = split_all(overrides);
  ModelOptions model_options;
  model_options.overrides = s.model;
  ResolvedModel model = load_model(model_path, model_options);
  check_model(model);
  DataConfig data = load_data_config_file(data_path, s.data);
  Recipe train = load_recipe_file(train_path, s.train);
  return assemble(std::move(model), std::move(data), std::move(train));
}

RunConfig load_run_file(const std::string& path, const std::vector<std::string>& overrides) {
  const ConfigDoc doc = ConfigDoc::load_file(path);
  const json& root = doc.root();
  if (!root.is_object()) doc.fail("", "a run file is a mapping with keys model, data, train and optionally set");
  for (const auto& [k, v] : root.items())
    if (k != "model" && k != "data" && k != "train" && k != "set")
      doc.fail("/" + k, fmt::format("unknown key '{}' (expected model, data, train, set)", k));
  const auto base = std::filesystem::path(path).parent_path();
  auto file = [&](const std::string& key) {
    if (!root.contains(key) || !root[key].is_string())
      doc.fail(root.contains(key) ? "/" + key : "", fmt::format("'{}' must name a file", key));
    const std::filesystem::path p = root[key].get<std::string>();
    return (p.is_absolute() ? p : base / p).string();
  };
  std::vector<std::string> all;
  if (root.contains("set")) {
    if (!root["set"].is_object()) doc.fail("/set", "'set' must be a mapping of dotted keys to values");
    flatten(root["set"], "", all);
    for (const auto& a : all) {
      try {
        split_run_override(a);
      } catch (const Error& e) {
        doc.fail("/set", e.what());
      }
    }
  }
  all.insert(all.end(), overrides.begin(), overrides.end());
  return load_run(file("model"), file("data"), file("train"), all);
}

RunConfig run_from_json(const nlohmann::json& resolved, const std::string& what) {
  for (const char* key : {"model", "data", "train"})
    if (!resolved.is_object() || !resolved.contains(key))
      throw Error(fmt::format("{}: the resolved run has no '{}'", what, key));
  ResolvedModel model = resolved_from_json(resolved["model"], what);
  ConfigDoc data_doc, train_doc;
  data_doc.root() = resolved["data"];
  train_doc.root() = resolved["train"];
  DataConfig data = load_data_config(data_doc);
  Recipe train = read_recipe(train_doc);
  RunConfig run = assemble(std::move(model), std::move(data), std::move(train));
  if (run.resolved != resolved)
    throw Error(fmt::format("{}: the resolved run does not read back to itself (written by another version?)", what));
  return run;
}

}  // namespace atrous
