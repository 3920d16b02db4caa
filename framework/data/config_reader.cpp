#include "data/config_reader.hpp"

#include <cmath>

#include "core/config.hpp"

namespace atrous {

namespace {

std::string child_pointer(const std::string& pointer, const std::string& key) {
  return pointer + "/" + escape_pointer_token(key);
}

// A whole number that fits int64_t (2^63 is exactly representable; beyond it the
// conversion in as_integer would be undefined).
bool is_integer(const json& v) {
  if (v.is_number_integer()) return !v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t{INT64_MAX};
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && d == std::floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0;
}

int64_t as_integer(const json& v) {
  return v.is_number_integer() ? v.get<int64_t>() : static_cast<int64_t>(v.get<double>());
}

bool is_finite_number(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// The value as the user wrote it; json::dump would print nan and inf as null.
std::string value_text(const json& v) {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) return fmt::format("{}", v.get<double>());
  if (!v.is_array()) return v.dump();
  std::string out;
  for (const auto& item : v) out += (out.empty() ? "" : ",") + value_text(item);  // as json::dump
  return "[" + out + "]";
}

std::string bound_text(double min, double max) {
  const bool lo = std::isfinite(min), hi = std::isfinite(max);
  if (lo && hi) return fmt::format(" in [{}, {}]", min, max);
  if (lo) return fmt::format(" >= {}", min);
  if (hi) return fmt::format(" <= {}", max);
  return "";
}

std::string int_bound_text(int64_t min, int64_t max) {
  constexpr auto lowest = std::numeric_limits<int64_t>::min();
  constexpr auto highest = std::numeric_limits<int64_t>::max();
  if (min != lowest && max != highest) return fmt::format(" in [{}, {}]", min, max);
  if (min != lowest) return fmt::format(" >= {}", min);
  if (max != highest) return fmt::format(" <= {}", max);
  return "";
}

}  // namespace

ConfigReader::ConfigReader(const ConfigDoc& doc, std::string pointer) : doc_(&doc), pointer_(std::move(pointer)) {
  const json::json_pointer p(pointer_);
  node_ = doc.root().contains(p) ? doc.root().at(p) : json(nullptr);
  if (node_.is_null()) node_ = json::object();
  if (!node_.is_object()) {
    const std::string name = key_name("");
    doc.fail(pointer_, fmt::format("'{}' must be a mapping of keys to values, got {}", name.empty() ? "(root)" : name,
                                   node_.dump()));
  }
}

std::string ConfigReader::key_name(const std::string& key) const {
  std::string name;
  for (char c : pointer_ + (key.empty() ? "" : "/" + key)) name += c == '/' ? '.' : c;
  return name.empty() ? name : name.substr(1);
}

void ConfigReader::fail(const std::string& key, const std::string& message) const {
  doc_->fail(key.empty() ? pointer_ : child_pointer(pointer_, key), message);
}

void ConfigReader::expected(const std::string& key, const std::string& what) const {
  fail(key, fmt::format("'{}' expects {}, got {}", key_name(key), what, value_text(node_.at(key))));
}

bool ConfigReader::has(const std::string& key) const {
  read_.insert(key);
  return node_.contains(key) && !node_.at(key).is_null();
}

const json& ConfigReader::at(const std::string& key) const {
  read_.insert(key);
  return node_.at(key);
}

int64_t ConfigReader::get_int(const std::string& key, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!is_integer(v) || as_integer(v) < min || as_integer(v) > max)
    expected(key, "an integer" + int_bound_text(min, max));
  return as_integer(v);
}

double ConfigReader::get_number(const std::string& key, double fallback, double min, double max) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!is_finite_number(v) || v.get<double>() < min || v.get<double>() > max)
    expected(key, "a number" + bound_text(min, max));
  return v.get<double>();
}

bool ConfigReader::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!v.is_boolean()) expected(key, "true or false");
  return v.get<bool>();
}

std::string ConfigReader::get_string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!v.is_string()) expected(key, "a string");
  return v.get<std::string>();
}

std::string ConfigReader::get_choice(const std::string& key, const std::string& fallback,
                                     const std::vector<std::string>& choices) const {
  const std::string v = get_string(key, fallback);
  std::string list;
  for (const auto& c : choices) {
    if (c == v) return v;
    list += (list.empty() ? "" : ", ") + c;
  }
  expected(key, "one of " + list);
}

std::pair<int64_t, int64_t> ConfigReader::get_size(const std::string& key, std::pair<int64_t, int64_t> fallback,
                                                   int64_t min, int64_t max) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  const std::string what = fmt::format("an integer or a [height, width] pair, each in [{}, {}]", min, max);
  const auto in_range = [&](const json& side) {
    return is_integer(side) && as_integer(side) >= min && as_integer(side) <= max;
  };
  if (is_integer(v)) {
    if (!in_range(v)) expected(key, what);
    return {as_integer(v), as_integer(v)};
  }
  if (!v.is_array() || v.size() != 2 || !in_range(v[0]) || !in_range(v[1])) expected(key, what);
  return {as_integer(v[0]), as_integer(v[1])};
}

std::pair<int64_t, int64_t> ConfigReader::get_int_range(const std::string& key, std::pair<int64_t, int64_t> fallback,
                                                        int64_t min, int64_t max) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  const std::string what = fmt::format("[min, max] integers with {} <= min <= max{}", min,
                                       max == std::numeric_limits<int64_t>::max() ? "" : fmt::format(" <= {}", max));
  json pair = v;
  if (is_integer(v)) pair = json::array({v, v});
  if (!pair.is_array() || pair.size() != 2 || !is_integer(pair[0]) || !is_integer(pair[1])) expected(key, what);
  const int64_t lo = as_integer(pair[0]), hi = as_integer(pair[1]);
  if (lo < min || hi < lo || hi > max) expected(key, what);
  return {lo, hi};
}

std::pair<double, double> ConfigReader::get_range(const std::string& key, std::pair<double, double> fallback,
                                                  double min, double max) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  const std::string what = fmt::format("[min, max] numbers with {} <= min <= max{}", min,
                                       std::isfinite(max) ? fmt::format(" <= {}", max) : "");
  json pair = v;
  if (v.is_number()) pair = json::array({v, v});
  if (!pair.is_array() || pair.size() != 2 || !is_finite_number(pair[0]) || !is_finite_number(pair[1]))
    expected(key, what);
  const double lo = pair[0].get<double>(), hi = pair[1].get<double>();
  if (lo < min || hi < lo || hi > max) expected(key, what);
  return {lo, hi};
}

std::vector<double> ConfigReader::get_numbers(const std::string& key, const std::vector<double>& fallback, double min,
                                              double max) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  const std::string what = "a number or a list of numbers" + bound_text(min, max);
  std::vector<double> out;
  const json list = v.is_array() ? v : json::array({v});
  for (const auto& item : list) {
    if (!is_finite_number(item) || item.get<double>() < min || item.get<double>() > max) expected(key, what);
    out.push_back(item.get<double>());
  }
  if (out.empty()) expected(key, what + " (not empty)");
  return out;
}

std::vector<std::string> ConfigReader::get_strings(const std::string& key,
                                                   const std::vector<std::string>& fallback) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  std::vector<std::string> out;
  if (!v.is_array()) expected(key, "a list of strings");
  for (const auto& item : v) {
    if (!item.is_string()) expected(key, "a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

ConfigReader ConfigReader::child(const std::string& key) const {
  read_.insert(key);
  return ConfigReader(*doc_, child_pointer(pointer_, key));
}

void ConfigReader::finish() const {
  for (const auto& [key, value] : node_.items()) {
    if (read_.count(key)) continue;
    std::string known;
    for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
    fail(key, fmt::format("unknown key '{}' (known here: {})", key_name(key), known));
  }
}

}  // namespace atrous
