#include "core/json_to_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace atrous {

namespace {

bool is_scalar(const nlohmann::json& v) { return !v.is_object() && !v.is_array(); }

void emit(YAML::Emitter& out, const nlohmann::json& v, bool flow) {
  if (v.is_object()) {
    if (flow) out << YAML::Flow;
    out << YAML::BeginMap;
    for (const auto& [key, item] : v.items()) {
      out << YAML::Key << YAML::DoubleQuoted << key << YAML::Value;
      emit(out, item, flow);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    const bool scalars = std::all_of(v.begin(), v.end(), is_scalar);
    if (flow || scalars) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& item : v) emit(out, item, true);  // list items (e.g. layers) one per line
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    out << YAML::DoubleQuoted << v.get<std::string>();
  } else if (v.is_null()) {
    out << YAML::Null;
  } else if (v.is_boolean()) {
    out << v.get<bool>();
  } else {
    out << v.dump();  // numbers: JSON's text (shortest round trip; 1.0 stays a float) is YAML's
  }
}

}  // namespace

std::string json_to_yaml(const nlohmann::json& value) {
  YAML::Emitter out;
  emit(out, value, false);
  return std::string(out.c_str()) + "\n";
}

}  // namespace atrous
