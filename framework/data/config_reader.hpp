#pragma once
// Reads one mapping of a data config with errors a user can act on: where
// (file:line:column of the offending key, from ConfigDoc), which key (dotted
// path), what was expected and what was found. finish() rejects keys nobody
// read, so a typo never passes silently.
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"

namespace atrous {

// The largest image side (and crop side) a data config may ask for: a 4096×4096
// RGB image is 200 MB as f32, and a typo such as image_size=100000 must be a
// located error, not a failed allocation.
inline constexpr int64_t kMaxImageSide = 4096;
// The most images a synthetic split may hold (the loader keeps an index per image).
inline constexpr int64_t kMaxSplitImages = 1'000'000;

// Every number a reader returns is finite: nan and inf (which ConfigDoc reads as
// numbers) are errors at their key.
class ConfigReader {
 public:
  // The mapping at JSON pointer `pointer` of `doc` ("" is the root). A missing or
  // null mapping reads as empty, so every key takes its default. `doc` must
  // outlive the reader.
  ConfigReader(const ConfigDoc& doc, std::string pointer);

  bool has(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback, int64_t min = std::numeric_limits<int64_t>::min(),
                  int64_t max = std::numeric_limits<int64_t>::max()) const;
  double get_number(const std::string& key, double fallback, double min = -std::numeric_limits<double>::infinity(),
                    double max = std::numeric_limits<double>::infinity()) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;
  // An integer n (meaning [n, n]) or a [height, width] pair, each in [min, max].
  std::pair<int64_t, int64_t> get_size(const std::string& key, std::pair<int64_t, int64_t> fallback,
                                       int64_t min = 1, int64_t max = kMaxImageSide) const;
  // A [lo, hi] pair with min <= lo <= hi <= max (a single number means [n, n]).
  std::pair<int64_t, int64_t> get_int_range(const std::string& key, std::pair<int64_t, int64_t> fallback,
                                            int64_t min, int64_t max = std::numeric_limits<int64_t>::max()) const;
  std::pair<double, double> get_range(const std::string& key, std::pair<double, double> fallback, double min,
                                      double max = std::numeric_limits<double>::infinity()) const;
  // A number or a list of numbers, each in [min, max].
  std::vector<double> get_numbers(const std::string& key, const std::vector<double>& fallback,
                                  double min = -std::numeric_limits<double>::infinity(),
                                  double max = std::numeric_limits<double>::infinity()) const;
  std::vector<std::string> get_strings(const std::string& key, const std::vector<std::string>& fallback) const;
  // The nested mapping under `key` (empty when absent).
  ConfigReader child(const std::string& key) const;
  // Marks a key as handled elsewhere.
  void ignore(const std::string& key) const { read_.insert(key); }
  // Throws for the first key that no getter read.
  void finish() const;

  // "train.size" style name of a key, including the reader's own path.
  std::string key_name(const std::string& key) const;
  // Throws atrous::Error located at `key` (or at the mapping when it is absent).
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  [[noreturn]] void expected(const std::string& key, const std::string& what) const;
  const ConfigDoc& doc() const { return *doc_; }
  const std::string& pointer() const { return pointer_; }

 private:
  const json& at(const std::string& key) const;
  const ConfigDoc* doc_;
  std::string pointer_;
  json node_;
  mutable std::set<std::string> read_;
};

}  // namespace atrous
