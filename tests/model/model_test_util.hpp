#pragma once
// Helpers shared by the model-language tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>
#include <algorithm>

#include "core/error.hpp"
#include "model/build.hpp"
#include "model/load.hpp"

#include "support/error_of.hpp"
#include "support/temp_dir.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous::testing {


// Loads and builds a model given as YAML text, named "m.yaml" in locations.
inline std::string model_error(const std::string& yaml, const ModelOptions& o = {}) {
  return error_of([&] { check_model(load_model_string(yaml, "m.yaml", o)); });
}


inline std::string zoo_model(const std::string& name) {
  return std::string(ATROUS_SOURCE_DIR) + "/configs/models/" + name + ".yaml";
}

// The names of every model in configs/models (the zoo), sorted.
inline std::vector<std::string> zoo_model_names() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(ATROUS_SOURCE_DIR) + "/configs/models"))
    if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace atrous::testing
