#pragma once
// A dataset: labelled images of two splits, each image a pure function of the
// dataset's configuration, its split and its index. get() is const and
// thread-safe, so the loader's prefetch thread can call it while the trainer
// runs, and any subset can be produced lazily.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/sample.hpp"

namespace atrous {

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string type() const = 0;
  // Number of classes including background (class 0); labels are < classes() or kIgnoreLabel.
  virtual int64_t classes() const = 0;
  virtual std::vector<std::string> class_names() const = 0;
  virtual int64_t channels() const = 0;
  virtual int64_t size(Split split) const = 0;
  virtual Sample get(Split split, int64_t index) const = 0;
  // Every parameter with its default filled in (recorded with each run).
  virtual nlohmann::json params() const = 0;
};

}  // namespace atrous
