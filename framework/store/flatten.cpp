#include "store/flatten.hpp"

namespace atrous::store {
namespace {

void flatten_into(const nlohmann::json& j, const std::string& prefix, std::vector<std::pair<std::string, Cell>>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten_into(v, prefix.empty() ? k : prefix + "." + k, out);
    return;
  }
  if (prefix.empty()) return;  // a scalar root has no key
  Cell c;
  if (j.is_boolean()) c = int64_t{j.get<bool>() ? 1 : 0};
  else if (j.is_number_integer()) c = j.get<int64_t>();
  else if (j.is_number()) c = j.get<double>();
  else if (j.is_string()) c = j.get<std::string>();
  else if (j.is_array()) c = j.dump();
  out.emplace_back(prefix, std::move(c));
}

}  // namespace

std::vector<std::pair<std::string, Cell>> flatten_config(const nlohmann::json& config) {
  std::vector<std::pair<std::string, Cell>> out;
  flatten_into(config, "", out);  // nlohmann's object is a std::map: keys come out sorted
  return out;
}

}  // namespace atrous::store
