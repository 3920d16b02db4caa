#pragma once
// JSON as YAML that ConfigDoc (core/config.hpp) reads back to the same JSON:
// strings are always double-quoted (so "3" or "true" stay strings), numbers keep
// their JSON text (an integer stays an integer, 1.0 a float), mappings are block
// style at the top and flow style ({...}) inside lists, lists of scalars are flow.
#include <nlohmann/json.hpp>
#include <string>

namespace atrous {

std::string json_to_yaml(const nlohmann::json& value);

}  // namespace atrous
