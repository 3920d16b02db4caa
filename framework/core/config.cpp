#include "core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

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
json scalar_to_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  if (s == "true" || s == "True") return true;
  if (s == "false" || s == "False") return false;
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used, 10);
    if (used == s.size()) return v;
  } catch (...) {
  }
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  return s;
}

json convert(const YAML::Node& node, const std::string& pointer, const std::string& file,
             std::map<std::string, SourceLocation>& where) {
  const auto mark = node.Mark();
  if (mark.line >= 0) where[pointer] = {file, mark.line + 1, mark.column + 1};
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      size_t i = 0;
      for (const auto& item : node) arr.push_back(convert(item, pointer + "/" + std::to_string(i++), file, where));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        const std::string child = pointer + "/" + escape_pointer_token(key);
        if (obj.contains(key)) {
          const auto m = kv.first.Mark();
          throw Error(SourceLocation{file, m.line + 1, m.column + 1}, "duplicate key '" + key + "'");
        }
        const auto km = kv.first.Mark();
        obj[key] = convert(kv.second, child, file, where);
        // Point errors about a key at the key itself, not at its value.
        where[child] = {file, km.line + 1, km.column + 1};
      }
      return obj;
    }
  }
  return nullptr;
}

}  // namespace

ConfigDoc ConfigDoc::load_string(const std::string& yaml, const std::string& name) {
  ConfigDoc doc;
  doc.file_ = name;
  YAML::Node node;
  try {
    node = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw Error(SourceLocation{name, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
  }
  doc.root_ = convert(node, "", name, doc.where_);
  if (doc.root_.is_null()) doc.root_ = json::object();
  return doc;
}

ConfigDoc ConfigDoc::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open config file '" + path + "'", Error::Kind::usage);
  std::stringstream ss;
  ss << in.rdbuf();
  return load_string(ss.str(), path);
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
  throw Error(where(pointer), message, Error::Kind::usage);
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
  std::string a = assignment;
  if (!a.empty() && a[0] == '+') {
    allow_new = true;
    a = a.substr(1);
  }
  const auto eq = a.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error("override '" + assignment + "' must look like key.path=value", Error::Kind::usage);
  const std::string key = a.substr(0, eq);
  const json value = parse_yaml_value(a.substr(eq + 1));
  // Walk the path; create intermediate mappings only for new keys.
  json* node = &root_;
  std::string walked;
  std::stringstream ss(key);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const bool last = i + 1 == parts.size();
    if (node->is_array()) {
      size_t idx = 0;
      try {
        idx = std::stoul(p);
      } catch (...) {
        throw Error(fmt::format("override '{}': '{}' is a list; expected an index, got '{}'", assignment,
                                walked.empty() ? "(root)" : walked, p),
                    Error::Kind::usage);
      }
      if (idx >= node->size())
        throw Error(fmt::format("override '{}': index {} is past the end of '{}' ({} items)", assignment, idx,
                                walked, node->size()),
                    Error::Kind::usage);
      node = &(*node)[idx];
    } else {
      if (node->is_null()) *node = json::object();
      if (!node->is_object())
        throw Error(fmt::format("override '{}': '{}' is a value, not a mapping", assignment, walked),
                    Error::Kind::usage);
      if (!node->contains(p) && !allow_new) {
        std::string known;
        for (const auto& [k, v] : node->items()) {
          if (!known.empty()) known += ", ";
          known += k;
        }
        throw Error(fmt::format("override '{}': unknown key '{}'{} (known: {}; use +{} to add a key)", assignment, p,
                                walked.empty() ? "" : " under '" + walked + "'", known, key),
                    Error::Kind::usage);
      }
      node = &(*node)[p];
    }
    walked += (walked.empty() ? "" : ".") + p;
    if (last) *node = value;
  }
  where_[dotted_to_pointer(key)] = {"--set " + assignment, 0, 0};
}

}  // namespace atrous
