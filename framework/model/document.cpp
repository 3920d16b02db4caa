#include "model/document.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/config.hpp"

namespace atrous {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string>& model_document_keys() {
  static const std::vector<std::string> keys = {"name",  "description", "extends", "params", "blocks", "input",
                                                "dense", "classes",     "layers",  "output", "override"};
  return keys;
}

std::string directory_of(const std::string& path) {
  const fs::path p = fs::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

std::string file_stem(const std::string& path) { return fs::path(path).stem().string(); }

namespace {

// Whether a JSON pointer names a value in `root` (never throws).
bool pointer_exists(const json& root, const std::string& pointer) {
  const json* node = &root;
  size_t pos = 0;
  while (pos < pointer.size()) {
    const size_t next = pointer.find('/', pos + 1);
    const std::string token = unescape_pointer_token(pointer.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1));
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return false;
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || !std::all_of(token.begin(), token.end(), ::isdigit)) return false;
      const size_t idx = std::stoul(token);
      if (idx >= node->size()) return false;
      node = &(*node)[idx];
    } else {
      return false;
    }
    if (next == std::string::npos) break;
    pos = next;
  }
  return true;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Copies the locations of `src` under `src_ptr` to `dst` under `dst_ptr`.
void copy_locations(const ConfigDoc& src, const std::string& src_ptr, ConfigDoc& dst, const std::string& dst_ptr) {
  for (const auto& [ptr, loc] : src.locations())
    if (ptr == src_ptr || starts_with(ptr, src_ptr + "/")) dst.set_where(dst_ptr + ptr.substr(src_ptr.size()), loc);
}

void check_top_level(const ConfigDoc& doc) {
  if (!doc.root().is_object()) doc.fail("", "a model file must be a mapping");
  const auto& keys = model_document_keys();
  for (const auto& [k, v] : doc.root().items())
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      std::string known;
      for (const auto& key : keys) known += (known.empty() ? "" : ", ") + key;
      doc.fail("/" + escape_pointer_token(k), fmt::format("unknown key '{}' in a model (known: {})", k, known));
    }
}

// Child over base (see the header for the rules).
ConfigDoc merge(const ConfigDoc& base, const ConfigDoc& child) {
  ConfigDoc out = child;  // keeps the child's file name and every location of its own values
  json merged = base.root();
  merged.erase("name");
  merged.erase("description");
  for (const auto& [k, v] : child.root().items()) {
    if (k == "extends" || k == "override") continue;
    const bool per_entry = k == "params" || k == "blocks" || k == "input";
    if (per_entry && v.is_object() && merged.contains(k) && merged[k].is_object()) {
      for (const auto& [ek, ev] : v.items()) merged[k][ek] = ev;
    } else {
      merged[k] = v;
    }
  }
  // Values the child did not set keep the base's locations.
  for (const auto& [ptr, loc] : base.locations())
    if (!child.locations().count(ptr) && pointer_exists(merged, ptr)) out.set_where(ptr, loc);

  if (child.root().contains("override")) {
    const json& patches = child.root()["override"];
    if (!patches.is_object()) child.fail("/override", "'override' must map layer names to the keys they change");
    if (!merged.contains("layers") || !merged["layers"].is_array())
      child.fail("/override", "'override' needs a base model with 'layers'");
    json& layers = merged["layers"];
    for (const auto& [name, patch] : patches.items()) {
      const std::string pptr = "/override/" + escape_pointer_token(name);
      if (!patch.is_object()) child.fail(pptr, fmt::format("override of '{}' must be a mapping of keys", name));
      size_t idx = layers.size();
      for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].is_object() && layers[i].value("name", json()) == name) idx = i;
      if (idx == layers.size()) {
        std::string names;
        for (const auto& l : layers)
          if (l.is_object() && l.contains("name") && l["name"].is_string())
            names += (names.empty() ? "" : ", ") + l["name"].get<std::string>();
        child.fail(pptr, fmt::format("override: the base model has no layer named '{}' (named layers: {})", name,
                                     names.empty() ? "none" : names));
      }
      const std::string lptr = "/layers/" + std::to_string(idx);
      for (const auto& [key, value] : patch.items()) {
        if (value.is_null()) {
          layers[idx].erase(key);
          continue;
        }
        layers[idx][key] = value;
        copy_locations(child, pptr + "/" + escape_pointer_token(key), out, lptr + "/" + escape_pointer_token(key));
      }
    }
  }
  merged.erase("extends");
  out.root() = std::move(merged);
  return out;
}

ConfigDoc load_chain(ConfigDoc doc, std::vector<std::string>& chain) {
  check_top_level(doc);
  if (!doc.root().contains("extends")) {
    if (doc.root().contains("override")) doc.fail("/override", "'override' needs 'extends' (a base model)");
    return doc;
  }
  const json& ext = doc.root()["extends"];
  if (!ext.is_string()) doc.fail("/extends", "'extends' must be a path to a model file");
  fs::path base_path = fs::path(directory_of(doc.file())) / ext.get<std::string>();
  base_path = base_path.lexically_normal();
  if (!fs::exists(base_path))
    doc.fail("/extends", fmt::format("extends '{}': no such file '{}'", ext.get<std::string>(), base_path.string()));
  const std::string canonical = fs::weakly_canonical(base_path).string();
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end())
    doc.fail("/extends", fmt::format("extends '{}' forms a cycle", ext.get<std::string>()));
  chain.push_back(canonical);
  ConfigDoc base = load_chain(ConfigDoc::load_file(base_path.string()), chain);
  return merge(base, doc);
}

}  // namespace

ConfigDoc load_model_document(const std::string& path) {
  if (!fs::exists(path)) throw Error(fmt::format("no such model file '{}'", path), Error::Kind::usage);
  std::vector<std::string> chain{fs::weakly_canonical(path).string()};
  return load_chain(ConfigDoc::load_file(path), chain);
}

ConfigDoc load_model_document_string(const std::string& yaml, const std::string& name) {
  std::vector<std::string> chain{name};
  return load_chain(ConfigDoc::load_string(yaml, name), chain);
}

void apply_model_override(ConfigDoc& doc, const std::string& assignment) {
  std::string a = assignment;
  const bool plus = !a.empty() && a[0] == '+';
  if (plus) a = a.substr(1);
  const std::string first = a.substr(0, a.find_first_of(".="));
  const auto& keys = model_document_keys();
  if (!doc.root().contains("params") || !doc.root()["params"].is_object()) doc.root()["params"] = json::object();
  // A parameter wins over a top-level key of the same name (`classes` is often
  // both: the parameter, and the key declaring `classes: "${classes}"`).
  const bool is_param = doc.root()["params"].contains(first);
  if (!is_param && std::find(keys.begin(), keys.end(), first) != keys.end()) {
    doc.apply_override(assignment);
    return;
  }
  if (!plus && !is_param) {
    std::string known;
    for (const auto& [k, v] : doc.root()["params"].items()) known += (known.empty() ? "" : ", ") + k;
    throw Error(fmt::format("--set {}: the model has no parameter or key '{}' (parameters: {})", assignment, first,
                            known.empty() ? "none" : known),
                Error::Kind::usage);
  }
  doc.apply_override((plus ? "+params." : "params.") + a);
}

}  // namespace atrous
