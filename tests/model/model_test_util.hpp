#pragma once
// Helpers shared by the model-language tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

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

}  // namespace atrous::testing
