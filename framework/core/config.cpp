#include "core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <sstream>

#include "core/text_file.hpp"
#include "core/utf8.hpp"

namespace atrous {

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string unescape_pointer_token(const std::string& token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

namespace {

// YAML scalars keep their textual type: "3" -> int, "0.5" -> double, "true" -> bool,
// quoted strings stay strings.
// A plain decimal number: [-+]? digits [. digits] [(e|E) [-+]? digits], or .digits.
// What else strtod takes (nan, inf, hex floats) stays a string, so that a NaN or an
// infinity cannot reach a setting as a number (its reader says what it expected).
bool is_decimal_number(const std::string& s, bool& integer) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const bool whole = digits();
  integer = whole;
  if (i < s.size() && s[i] == '.') {
    ++i;
    integer = false;
    if (!digits() && !whole) return false;
  } else if (!whole) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    integer = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// YAML scalars keep their textual type: "3" -> int, "0.5" -> double, "true" -> bool,
// quoted strings stay strings. Integers beyond 64 bits and numbers beyond double's
// range stay strings too (never a wrapped or infinite value).
json scalar_to_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  if (s == "true" || s == "True") return true;
  if (s == "false" || s == "False") return false;
  bool integer = false;
  if (!is_decimal_number(s, integer)) return s;
  try {
    if (integer) return static_cast<int64_t>(std::stoll(s));
  } catch (const std::out_of_range&) {
    return s;
  }
  try {
    const double v = std::stod(s);
    if (std::isfinite(v)) return v;
  } catch (const std::out_of_range&) {
  }
  return s;
}

// Config errors quote what the user wrote (keys, values, file names), which may
// hold newlines or bytes that are not UTF-8: escaped, the message stays one line
// of UTF-8 (the CLI prints one line; the store keeps messages as JSON text).
[[noreturn]] void fail_at(const SourceLocation& at, const std::string& message) {
  throw Error(SourceLocation{printable_utf8(at.file), at.line, at.column}, printable_utf8(message), Error::Kind::usage);
}

// Limits of one document once YAML aliases are expanded. A config is a few
// hundred values; aliases of aliases ("billion laughs": 9 anchors of 9 aliases
// each make 9^9 values) or an alias inside its own anchor (a cycle) would
// otherwise exhaust memory or the stack. yaml-cpp represents an alias as the
// anchored node itself, shared, so the expansion happens here.
constexpr int kMaxDepth = 200;
constexpr size_t kMaxValues = 200000;
constexpr size_t kMaxBytes = size_t{32} << 20;  // text of keys, values and their recorded locations

class Converter {
 public:
  Converter(const std::string& file, std::map<std::string, SourceLocation>& where) : file_(file), where_(where) {}

  // `used_at` is where the value appears: the key of a mapping entry, else the value itself.
  json convert(const YAML::Node& node, const std::string& pointer, const SourceLocation& used_at) {
    const SourceLocation loc = at(node.Mark());
    if (loc.line > 0) where_[pointer] = loc;
    count(used_at, pointer.size() + file_.size() + 32);
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return nullptr;
      case YAML::NodeType::Scalar:
        count(used_at, node.Scalar().size());
        check_text(node.Scalar(), used_at);
        return scalar_to_json(node);
      case YAML::NodeType::Sequence: {
        enter(node, used_at);
        json arr = json::array();
        size_t i = 0;
        for (const auto& item : node) {
          const SourceLocation item_at = item.Mark().line >= 0 ? at(item.Mark()) : used_at;
          arr.push_back(convert(item, pointer + "/" + std::to_string(i++), item_at));
        }
        open_.pop_back();
        return arr;
      }
      case YAML::NodeType::Map: {
        enter(node, used_at);
        json obj = json::object();
        for (const auto& kv : node) {
          const SourceLocation key_at = kv.first.Mark().line >= 0 ? at(kv.first.Mark()) : used_at;
          if (!kv.first.IsScalar() && !kv.first.IsNull())
            fail_at(key_at, "a mapping key must be a plain value (a name or a number), not a list or a mapping");
          const std::string key = kv.first.Scalar();
          count(key_at, key.size());
          check_text(key, key_at);
          const std::string child = pointer + "/" + escape_pointer_token(key);
          if (obj.contains(key)) fail_at(key_at, "duplicate key '" + key + "'");
          obj[key] = convert(kv.second, child, key_at);
          // Point errors about a key at the key itself, not at its value.
          if (key_at.line > 0) where_[child] = key_at;
        }
        open_.pop_back();
        return obj;
      }
    }
    return nullptr;
  }

 private:
  SourceLocation at(const YAML::Mark& m) const {
    return m.line >= 0 ? SourceLocation{file_, m.line + 1, m.column + 1} : SourceLocation{file_, 0, 0};
  }

  // Opens a mapping or list: refuses an alias to a value that contains it, and nesting too deep.
  void enter(const YAML::Node& node, const SourceLocation& used_at) {
    for (const auto& open : open_)
      if (open.is(node))
        fail_at(used_at, "an alias refers to a value that contains it (a cycle); an alias must not point into "
                             "its own anchor's value");
    if (open_.size() >= static_cast<size_t>(kMaxDepth))
      fail_at(used_at, fmt::format("values nest more than {} levels deep (counting what aliases expand to); "
                                       "configs are limited to {} levels",
                                       kMaxDepth, kMaxDepth));
    open_.push_back(node);
  }

  void count(const SourceLocation& used_at, size_t bytes) {
    bytes_ += bytes;
    if (++values_ > kMaxValues)
      fail_at(used_at, fmt::format("the document expands to more than {} values (YAML aliases of aliases?); "
                                       "configs are limited to {} values",
                                       kMaxValues, kMaxValues));
    if (bytes_ > kMaxBytes)
      fail_at(used_at, fmt::format("the document expands to more than {} MiB of text (YAML aliases of "
                                       "aliases?); configs are limited to {} MiB",
                                       kMaxBytes >> 20, kMaxBytes >> 20));
  }

  // An escape of a lone UTF-16 surrogate makes text that is not UTF-8, which JSON cannot hold.
  static void check_text(const std::string& text, const SourceLocation& used_at) {
    if (!is_valid_utf8(text))
      fail_at(used_at, fmt::format("'{}' is not UTF-8 text (an escape for a lone surrogate?)", text));
  }

  const std::string& file_;
  std::map<std::string, SourceLocation>& where_;
  std::vector<YAML::Node> open_;  // the mappings and lists being converted, outermost first
  size_t values_ = 0, bytes_ = 0;
};

// The line:column of byte `offset` of `text` (columns count bytes).
SourceLocation location_of(const std::string& file, const std::string& text, size_t offset) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {file, line, static_cast<int>(offset - line_start) + 1};
}

}  // namespace

ConfigDoc ConfigDoc::load_string(const std::string& yaml, const std::string& name) {
  ConfigDoc doc;
  doc.file_ = name;
  if (const size_t bad = invalid_utf8_at(yaml); bad != std::string::npos)
    fail_at(location_of(name, yaml, bad),
                fmt::format("byte 0x{:02X} is not UTF-8; config files must be UTF-8 text", static_cast<unsigned char>(yaml[bad])));
  YAML::Node node;
  try {
    node = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    fail_at(SourceLocation{name, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
  }
  doc.root_ = Converter(name, doc.where_).convert(node, "", SourceLocation{name, 1, 1});
  if (doc.root_.is_null()) doc.root_ = json::object();
  return doc;
}

ConfigDoc ConfigDoc::load_file(const std::string& path) {
  return load_string(read_text_file(path, "config file"), path);
}

SourceLocation ConfigDoc::where(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    auto it = where_.find(p);
    if (it != where_.end()) return it->second;
    if (p.empty()) break;
    const auto slash = p.rfind('/');
    p = slash == std::string::npos ? "" : p.substr(0, slash);
  }
  return {file_, 0, 0};
}

void ConfigDoc::fail(const std::string& pointer, const std::string& message) const {
  fail_at(where(pointer), message);
}

std::string dotted_to_pointer(const std::string& dotted) {
  std::string out;
  std::string token;
  for (char c : dotted) {
    if (c == '.') {
      out += "/" + escape_pointer_token(token);
      token.clear();
    } else {
      token += c;
    }
  }
  out += "/" + escape_pointer_token(token);
  return out;
}

json parse_yaml_value(const std::string& text) {
  ConfigDoc d = ConfigDoc::load_string("v: " + text, "<override>");
  return d.root().contains("v") ? d.root()["v"] : json(nullptr);
}

void ConfigDoc::apply_override(const std::string& assignment, bool allow_new) {
  // Messages quote the override and keys through printable_utf8: one line of UTF-8 whatever was typed.
  const std::string shown = printable_utf8(assignment);
  const auto q = [](const std::string& text) { return printable_utf8(text); };
  if (!is_valid_utf8(assignment))
    throw Error(fmt::format("override '{}': not UTF-8 text; overrides must be UTF-8", shown), Error::Kind::usage);
  std::string a = assignment;
  if (!a.empty() && a[0] == '+') {
    allow_new = true;
    a = a.substr(1);
  }
  const auto eq = a.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error("override '" + shown + "' must look like key.path=value", Error::Kind::usage);
  const std::string key = a.substr(0, eq);
  const json value = parse_yaml_value(a.substr(eq + 1));
  // Walk the path; create intermediate mappings only for new keys.
  json* node = &root_;
  std::string walked;
  std::stringstream ss(key);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  std::vector<std::string> created;  // pointers of the mappings and keys this override adds
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const bool last = i + 1 == parts.size();
    if (node->is_array()) {
      size_t idx = 0;
      try {
        idx = std::stoul(p);
      } catch (...) {
        throw Error(fmt::format("override '{}': '{}' is a list; expected an index, got '{}'", shown,
                                walked.empty() ? "(root)" : q(walked), q(p)),
                    Error::Kind::usage);
      }
      if (idx >= node->size())
        throw Error(fmt::format("override '{}': index {} is past the end of '{}' ({} items)", shown, idx,
                                q(walked), node->size()),
                    Error::Kind::usage);
      node = &(*node)[idx];
    } else {
      if (node->is_null()) *node = json::object();
      if (!node->is_object())
        throw Error(fmt::format("override '{}': '{}' is a value, not a mapping", shown, q(walked)),
                    Error::Kind::usage);
      if (!node->contains(p) && !allow_new) {
        std::string known;
        for (const auto& [k, v] : node->items()) {
          if (!known.empty()) known += ", ";
          known += k;
        }
        throw Error(fmt::format("override '{}': unknown key '{}'{} (known: {}; use +{} to add a key)", shown, q(p),
                                walked.empty() ? "" : " under '" + q(walked) + "'", q(known), q(key)),
                    Error::Kind::usage);
      }
      if (!node->contains(p)) created.push_back(dotted_to_pointer(walked.empty() ? p : walked + "." + p));
      node = &(*node)[p];
    }
    walked += (walked.empty() ? "" : ".") + p;
    if (last) *node = value;
  }
  // Everything the override wrote is located at it: the value, what lies inside it
  // (the file's locations there described the old value) and the mappings it added,
  // so that a consumer rejecting an added key names the --set, not the file.
  const std::string pointer = dotted_to_pointer(key);
  const SourceLocation here{"--set " + shown, 0, 0};
  for (auto it = where_.lower_bound(pointer + "/"); it != where_.end() && it->first.rfind(pointer + "/", 0) == 0;)
    it = where_.erase(it);
  where_[pointer] = here;
  for (const auto& c : created) where_[c] = here;
}

}  // namespace atrous
