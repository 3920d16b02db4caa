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

namespace atrous::testing {

// The message of the atrous::Error `f` throws ("" and a test failure if none).
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an atrous::Error";
  return "";
}

// Loads and builds a model given as YAML text, named "m.yaml" in locations.
inline std::string model_error(const std::string& yaml, const ModelOptions& o = {}) {
  return error_of([&] { check_model(load_model_string(yaml, "m.yaml", o)); });
}

// A fresh temporary directory for files a test writes; removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("atrous_model_" + tag + "_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& relative, const std::string& text) const {
    const auto p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string zoo_model(const std::string& name) {
  return std::string(ATROUS_SOURCE_DIR) + "/configs/models/" + name + ".yaml";
}

}  // namespace atrous::testing
