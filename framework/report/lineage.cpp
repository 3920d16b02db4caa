#include "report/lineage.hpp"

#include "sweep/run_needs.hpp"

namespace atrous::report {

namespace {

std::vector<std::string> strings_at(const nlohmann::json& config, const char* pointer) {
  const nlohmann::json::json_pointer at(pointer);
  std::vector<std::string> out;
  if (!config.contains(at)) return out;
  const auto& v = config[at];
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& e : v) out.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  return out;
}

}  // namespace

std::optional<Lineage> lineage_of(const Group& g, const ReportData& d) {
  if (g.runs.empty()) return std::nullopt;
  const auto config = nlohmann::json::parse(g.runs.front().record.config_json, nullptr, false);
  if (!config.is_object()) return std::nullopt;
  Lineage l;
  l.layers = strings_at(config, "/train/init/layers");
  l.frozen = strings_at(config, "/train/freeze");
  const nlohmann::json::json_pointer from("/train/init/from");
  const bool has_from = config.contains(from) && config[from].is_string() && !config[from].get<std::string>().empty();
  if (!has_from && l.frozen.empty()) return std::nullopt;
  if (has_from) {
    if (const auto id = run_reference(config[from])) {
      l.parent_run = *id;
      for (const auto& other : d.groups)
        for (const auto& r : other.runs)
          if (r.record.id == *id) l.parent_variant = other.variant;
    } else {
      l.parent_path = config[from].get<std::string>();
    }
  }
  return l;
}

}  // namespace atrous::report
