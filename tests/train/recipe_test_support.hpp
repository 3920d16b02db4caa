#pragma once
// The error a recipe file gives, from its file name on ("r.yaml:3:5: ..."), or
// "(no error)"; every recipe error must be a usage error (exit 2).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "../data/data_test_support.hpp"
#include "core/error.hpp"
#include "train/recipe.hpp"

namespace atrous::testing {

inline std::string recipe_error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  TempDir dir("recipe");
  std::ofstream(dir / "r.yaml") << yaml;
  try {
    load_recipe_file(dir / "r.yaml", overrides);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    const std::string msg = e.what();
    const auto at = msg.find("r.yaml");
    return at == std::string::npos ? msg : msg.substr(at);
  }
  return "(no error)";
}

}  // namespace atrous::testing
