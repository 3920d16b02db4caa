#include "model/document.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/config.hpp"
#include "core/text_file.hpp"
#include "core/utf8.hpp"
#include "model/limits.hpp"

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

// Whether `path` names nothing at all (a symlink loop or an unreadable directory
// is something else, reported by the reader).
bool missing(const std::string& path) {
  std::error_code ec;
  return !fs::exists(path, ec) && !ec;
}

// The file's identity for cycle detection; never throws.
std::string identity(const std::string& path) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : c.string();
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
  if (missing(base_path.string()))
    doc.fail("/extends", fmt::format("extends '{}': no such file '{}'", ext.get<std::string>(), base_path.string()));
  const std::string canonical = identity(base_path.string());
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end())
    doc.fail("/extends", fmt::format("extends '{}' forms a cycle", ext.get<std::string>()));
  if (chain.size() >= static_cast<size_t>(kMaxExtendsChain))
    doc.fail("/extends", fmt::format("extends '{}': more than {} files extend each other; the limit is {}",
                                     ext.get<std::string>(), kMaxExtendsChain, kMaxExtendsChain));
  chain.push_back(canonical);
  std::string text;
  try {
    text = read_text_file(base_path.string(), "model file");
  } catch (const Error& e) {  // a directory, a FIFO, /dev/zero, ...: located at the `extends`
    doc.fail("/extends", fmt::format("extends '{}': {}", ext.get<std::string>(), e.what()));
  }
  ConfigDoc base = load_chain(ConfigDoc::load_string(text, base_path.string()), chain);
  return merge(base, doc);
}

}  // namespace

ConfigDoc load_model_document(const std::string& path) {
  if (missing(path)) throw Error(fmt::format("no such model file '{}'", printable_utf8(path)), Error::Kind::usage);
  // The one safe reader (core/text_file.hpp): a directory, a FIFO, a symlink loop
  // or a huge file is refused with a message naming it.
  ConfigDoc doc = ConfigDoc::load_string(read_text_file(path, "model file"), path);
  std::vector<std::string> chain{identity(path)};
  return load_chain(std::move(doc), chain);
}

ConfigDoc load_model_document_string(const std::string& yaml, const std::string& name) {
  std::vector<std::string> chain{name};
  return load_chain(ConfigDoc::load_string(yaml, name), chain);
}

void apply_model_override(ConfigDoc& doc, const std::string& assignment) {
  // Messages quote the override and names through printable_utf8: one line of UTF-8 whatever was typed.
  const std::string shown = printable_utf8(assignment);
  if (!is_valid_utf8(assignment))
    throw Error(fmt::format("--set {}: not UTF-8 text; overrides must be UTF-8", shown), Error::Kind::usage);
  std::string a = assignment;
  const bool plus = !a.empty() && a[0] == '+';
  if (plus) a = a.substr(1);
  const std::string path = a.substr(0, a.find('='));
  const std::string first = path.substr(0, path.find('.'));
  const auto& keys = model_document_keys();
  const json& root = doc.root();
  const bool has_params = root.is_object() && root.contains("params") && root["params"].is_object();
  const auto is_param = [&](const std::string& name) { return has_params && root["params"].contains(name); };
  // `+name=value` adds a parameter; `+name.key=value` for a parameter that does not
  // exist would add a mapping that nothing reads, so it is refused like any unknown key.
  const auto check_new_parameter = [&](const std::string& param_path) {
    const std::string name = param_path.substr(0, param_path.find('.'));
    if (is_param(name) || param_path.find('.') == std::string::npos) return;
    std::string known;
    if (has_params)
      for (const auto& [k, v] : root["params"].items()) known += (known.empty() ? "" : ", ") + k;
    throw Error(fmt::format("--set {}: unknown key '{}': the model has no parameter '{}' (parameters: {}); "
                            "+{}=value adds one",
                            shown, printable_utf8(param_path), printable_utf8(name),
                            known.empty() ? "none" : printable_utf8(known), printable_utf8(name)),
                Error::Kind::usage);
  };
  // A parameter wins over a top-level key of the same name (`classes` is often
  // both: the parameter, and the key declaring `classes: "${classes}"`).
  if (!is_param(first) && std::find(keys.begin(), keys.end(), first) != keys.end()) {
    if (first == "extends" || first == "override")
      throw Error(fmt::format("--set {}: '{}' is applied when the model file is read, before overrides; set the "
                              "keys it would change instead",
                              shown, first),
                  Error::Kind::usage);
    if (plus && first == "params" && path.size() > 7) check_new_parameter(path.substr(7));
    doc.apply_override(assignment);
    return;
  }
  if (!plus && !is_param(first)) {
    std::string known;
    if (has_params)
      for (const auto& [k, v] : root["params"].items()) known += (known.empty() ? "" : ", ") + k;
    throw Error(fmt::format("--set {}: the model has no parameter or key '{}' (parameters: {})", shown,
                            printable_utf8(first), known.empty() ? "none" : printable_utf8(known)),
                Error::Kind::usage);
  }
  if (plus) check_new_parameter(path);
  doc.apply_override((plus ? "+params." : "params.") + a);
}

}  // namespace atrous
