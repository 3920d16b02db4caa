#pragma once
// Layers are created by type name ("conv", "batchnorm", ...) from their JSON
// attributes; the model language names them. Each layer file registers itself
// with ATROUS_REGISTER_LAYER.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

using LayerFactory = std::function<std::unique_ptr<Layer>(const Attrs&)>;

// Registering a type name twice throws (at static initialisation: the program
// stops with the message), as it is a programming error.
void register_layer(const std::string& type, LayerFactory factory);
// Creates a layer; `what` names it in error messages (e.g. "layer 'ctx3' (conv)").
// Configuration errors are AttrErrors (nn/attr_error.hpp) carrying their key.
std::unique_ptr<Layer> create_layer(const std::string& type, const nlohmann::json& attrs,
                                    const std::string& what = "");
std::vector<std::string> layer_types();
bool has_layer_type(const std::string& type);

struct LayerRegistrar {
  LayerRegistrar(const std::string& type, LayerFactory factory) { register_layer(type, std::move(factory)); }
};

#define ATROUS_CONCAT_INNER(a, b) a##b
#define ATROUS_CONCAT(a, b) ATROUS_CONCAT_INNER(a, b)
// Usage (at namespace scope in the layer's .cpp):
//   ATROUS_REGISTER_LAYER("conv", [](const Attrs& a) { return std::make_unique<Conv2d>(a); });
#define ATROUS_REGISTER_LAYER(type, ...) \
  static ::atrous::LayerRegistrar ATROUS_CONCAT(atrous_layer_registrar_, __LINE__)(type, __VA_ARGS__)

}  // namespace atrous
