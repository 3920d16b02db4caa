#include "sweep/stored_spec.hpp"

namespace atrous {

ExperimentSpec stored_spec_outline(const nlohmann::json& spec_json) {
  ExperimentSpec spec;
  if (!spec_json.is_object()) return spec;
  if (spec_json.contains("variants") && spec_json["variants"].is_object())
    for (const auto& [name, value] : spec_json["variants"].items()) {
      VariantSpec v;
      v.name = name;
      if (value.is_object() && value.contains("needs") && value["needs"].is_string())
        v.needs = value["needs"].get<std::string>();  // plans parents first, as the sweep did
      spec.variants.push_back(std::move(v));
    }
  if (spec_json.contains("grid") && spec_json["grid"].is_object())
    for (const auto& [key, values] : spec_json["grid"].items()) {
      GridAxis axis;
      axis.key = key;
      if (values.is_object())
        for (const auto& [name, _] : values.items()) {
          GridOption o;
          o.name = name;
          axis.values.emplace_back(name);
          axis.options.push_back(std::move(o));
        }
      else if (values.is_array())
        for (const auto& v : values) axis.values.push_back(v);
      spec.grid.push_back(std::move(axis));
    }
  if (!spec_json.contains("seeds"))
    spec.seeds = {kDefaultSeed};
  else if (spec_json["seeds"].is_array())
    for (const auto& s : spec_json["seeds"])
      if (s.is_number_integer()) spec.seeds.push_back(s.get<int64_t>());
  return spec;
}

}  // namespace atrous
