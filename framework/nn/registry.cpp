#include "nn/registry.hpp"

#include <fmt/format.h>

#include <map>

#include "core/error.hpp"

namespace atrous {
namespace {
std::map<std::string, LayerFactory>& table() {
  static std::map<std::string, LayerFactory> t;
  return t;
}
}  // namespace

void register_layer(const std::string& type, LayerFactory factory) {
  // Two layers under one name is a programming error; replacing one silently would
  // make the model language's meaning depend on static initialisation order.
  if (!table().emplace(type, std::move(factory)).second)
    throw Error(fmt::format("layer type '{}' is registered twice (ATROUS_REGISTER_LAYER)", type));
}

bool has_layer_type(const std::string& type) { return table().count(type) > 0; }

std::vector<std::string> layer_types() {
  std::vector<std::string> out;
  for (const auto& [k, v] : table()) out.push_back(k);
  return out;
}

std::unique_ptr<Layer> create_layer(const std::string& type, const nlohmann::json& attrs, const std::string& what) {
  auto it = table().find(type);
  if (it == table().end()) {
    std::string known;
    for (const auto& t : layer_types()) {
      if (!known.empty()) known += ", ";
      known += t;
    }
    throw AttrError("type", fmt::format("unknown layer type '{}' (known: {})", type, known), what);
  }
  Attrs reader(attrs, what.empty() ? "layer (" + type + ")" : what);
  auto layer = it->second(reader);
  reader.finish();
  return layer;
}

}  // namespace atrous
