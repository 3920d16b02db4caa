#pragma once
// Config documents: YAML read into JSON (the form everything downstream uses)
// while remembering where each value came from, so that any later check can
// report file:line:column. Also Hydra-style dotted overrides (`--set a.b=3`).
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"

namespace atrous {

using json = nlohmann::json;

class ConfigDoc {
 public:
  ConfigDoc() = default;
  // Parses a YAML file; syntax errors become atrous::Error with file:line:column.
  static ConfigDoc load_file(const std::string& path);
  static ConfigDoc load_string(const std::string& yaml, const std::string& name = "<string>");

  json& root() { return root_; }
  const json& root() const { return root_; }
  const std::string& file() const { return file_; }

  // Where the value at a JSON pointer ("/layers/3/out") came from. Falls back to the
  // nearest enclosing value that has a location, then to the file alone.
  SourceLocation where(const std::string& pointer) const;
  // Throws atrous::Error located at `pointer`.
  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const;
  // Records a location for a pointer (used when merging documents).
  void set_where(const std::string& pointer, SourceLocation loc) { where_[pointer] = std::move(loc); }
  const std::map<std::string, SourceLocation>& locations() const { return where_; }

  // Applies "a.b.c=value" (value parsed as a YAML scalar/flow value; list indices as
  // numbers: "layers.3.out=64"). Creates missing mapping keys only when
  // `allow_new` (Hydra's "+key=value"); otherwise an unknown key is an error.
  void apply_override(const std::string& assignment, bool allow_new = false);

 private:
  json root_;
  std::string file_;
  std::map<std::string, SourceLocation> where_;
};

// One JSON pointer reference token with '~' and '/' escaped as "~0" and "~1"
// (RFC 6901), and back.
std::string escape_pointer_token(const std::string& token);
std::string unescape_pointer_token(const std::string& token);

// "a.b.3.c" -> "/a/b/3/c" (JSON pointer, with ~ and / escaped).
std::string dotted_to_pointer(const std::string& dotted);
// Parses one YAML scalar or flow value ("3", "0.5", "true", "[1, 2]", "abc") into JSON.
json parse_yaml_value(const std::string& text);

}  // namespace atrous
