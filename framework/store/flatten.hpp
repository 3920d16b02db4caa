#pragma once
// Flattens a resolved config into dotted params (model.params.width,
// train.optimizer.lr), like MLflow's params: objects recurse; arrays are kept as
// one param holding their compact JSON ("[1,2,4]"), so a model's layer list is
// one row rather than hundreds.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/table_format.hpp"

namespace atrous::store {

// Numbers keep their type, booleans become 0/1 (so `flag=true` filters work),
// strings stay text, null is a missing value. Keys come out sorted.
std::vector<std::pair<std::string, Cell>> flatten_config(const nlohmann::json& config);

}  // namespace atrous::store
