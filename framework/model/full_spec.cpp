#include "model/full_spec.hpp"

#include <fmt/format.h>

#include "core/config.hpp"
#include "model/build.hpp"
#include "nn/attr_defaults.hpp"

namespace atrous {

nlohmann::json full_spec(const ResolvedModel& model) {
  check_model(model);  // so that every layer below is known to be valid
  nlohmann::json spec = model.spec;
  for (auto& layer : spec.at("layers")) {
    const std::string type = layer.at("type").get<std::string>();
    const std::string name = layer.at("name").get<std::string>();
    nlohmann::json attrs = layer;
    for (const char* key : {"name", "type", "from"}) attrs.erase(key);
    const nlohmann::json full = attributes_with_defaults(type, attrs, fmt::format("layer '{}' ({})", name, type));
    for (const auto& [key, value] : full.items()) layer[key] = value;
  }
  return spec;
}

ResolvedModel load_resolved_model(const std::string& path) {
  return resolved_from_json(ConfigDoc::load_file(path).root(), path);
}

}  // namespace atrous
