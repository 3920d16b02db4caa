#pragma once
// Reads a layer's attributes from its resolved JSON config, with errors that say
// which layer and key were wrong and what was expected. finish() rejects keys the
// layer did not read, so a typo never passes silently. Every error is an
// AttrError carrying its key (nn/attr_error.hpp); layers reject values through
// require() and reject() so that theirs carry it too.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "nn/attr_error.hpp"

namespace atrous {

class Attrs {
 public:
  Attrs(const nlohmann::json& json, std::string what);

  bool has(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  // An int or a [h, w] pair.
  std::pair<int64_t, int64_t> get_pair(const std::string& key, std::pair<int64_t, int64_t> fallback) const;
  std::pair<int64_t, int64_t> get_pair(const std::string& key) const;
  double get_float(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;
  // Marks keys that other code (graph builder) handles, so finish() accepts them.
  void ignore(const std::string& key) const { read_.insert(key); }
  void finish() const;

  // A value the layer cannot use: throws AttrError(key, message) naming the layer.
  [[noreturn]] void reject(const std::string& key, const std::string& message) const;
  // Unless `ok`, rejects key with "'key' <requirement>, got <the value as written>"
  // (without "got" when the key is absent and its default was rejected).
  void require(bool ok, const std::string& key, const std::string& requirement) const;

 private:
  const nlohmann::json& at(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  nlohmann::json json_;
  std::string what_;
  mutable std::set<std::string> read_;
};

}  // namespace atrous
