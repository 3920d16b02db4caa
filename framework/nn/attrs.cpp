#include "nn/attrs.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "nn/attr_defaults.hpp"

namespace atrous {

Attrs::Attrs(const nlohmann::json& json, std::string what) : json_(json), what_(std::move(what)) {
  if (json_.is_null()) json_ = nlohmann::json::object();
  if (!json_.is_object()) throw AttrError("", "attributes must be a mapping", what_);
  read_.insert("type");
  read_.insert("name");
}

bool Attrs::has(const std::string& key) const {
  read_.insert(key);
  return json_.contains(key) && !json_.at(key).is_null();
}

const nlohmann::json& Attrs::at(const std::string& key) const {
  read_.insert(key);
  if (!json_.contains(key)) reject(key, fmt::format("missing key '{}'", key));
  return json_.at(key);
}

void Attrs::fail(const std::string& key, const std::string& expected) const {
  reject(key, fmt::format("key '{}' expects {}, got {}", key, expected, json_.at(key).dump()));
}

void Attrs::reject(const std::string& key, const std::string& message) const {
  throw AttrError(key, message, what_);
}

void Attrs::require(bool ok, const std::string& key, const std::string& requirement) const {
  if (ok) return;
  const bool written = json_.contains(key) && !json_.at(key).is_null();
  reject(key, written ? fmt::format("'{}' {}, got {}", key, requirement, json_.at(key).dump())
                      : fmt::format("'{}' {}", key, requirement));
}

int64_t Attrs::get_int(const std::string& key) const {
  const auto& v = at(key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())))
    return static_cast<int64_t>(v.get<double>());
  fail(key, "an integer");
}

int64_t Attrs::get_int(const std::string& key, int64_t fallback) const {
  if (has(key)) return get_int(key);
  AttrDefaultsRecorder::record(key, fallback);
  return fallback;
}

std::pair<int64_t, int64_t> Attrs::get_pair(const std::string& key) const {
  const auto& v = at(key);
  if (v.is_number_integer()) return {v.get<int64_t>(), v.get<int64_t>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
    return {v[0].get<int64_t>(), v[1].get<int64_t>()};
  fail(key, "an integer or a [height, width] pair");
}

std::pair<int64_t, int64_t> Attrs::get_pair(const std::string& key, std::pair<int64_t, int64_t> fallback) const {
  if (has(key)) return get_pair(key);
  AttrDefaultsRecorder::record(key, fallback.first == fallback.second
                                        ? nlohmann::json(fallback.first)
                                        : nlohmann::json::array({fallback.first, fallback.second}));
  return fallback;
}

double Attrs::get_float(const std::string& key, double fallback) const {
  if (!has(key)) {
    AttrDefaultsRecorder::record(key, fallback);
    return fallback;
  }
  const auto& v = at(key);
  if (!v.is_number()) fail(key, "a number");
  return v.get<double>();
}

bool Attrs::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) {
    AttrDefaultsRecorder::record(key, fallback);
    return fallback;
  }
  const auto& v = at(key);
  if (!v.is_boolean()) fail(key, "true or false");
  return v.get<bool>();
}

std::string Attrs::get_string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) {
    AttrDefaultsRecorder::record(key, fallback);
    return fallback;
  }
  const auto& v = at(key);
  if (!v.is_string()) fail(key, "a string");
  return v.get<std::string>();
}

std::string Attrs::get_choice(const std::string& key, const std::string& fallback,
                              const std::vector<std::string>& choices) const {
  std::string v = get_string(key, fallback);
  for (const auto& c : choices)
    if (c == v) return v;
  std::string list;
  for (const auto& c : choices) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  fail(key, "one of " + list);
}

void Attrs::finish() const {
  for (const auto& [key, value] : json_.items())
    if (!read_.count(key))
      reject(key, fmt::format("unknown key '{}'", key));
}

}  // namespace atrous
