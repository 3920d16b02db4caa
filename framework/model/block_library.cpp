#include "model/block_library.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "core/text_file.hpp"
#include "model/document.hpp"
#include "nn/registry.hpp"

namespace atrous::expansion {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::set<std::string> kBlockDefKeys = {"description", "params", "inputs", "layers", "output"};

// The keys of a definition, checked before any use so that every error points into the block.
void check_block_def(const BlockDef& b) {
  auto bad = [&](const Src& at, const std::string& m) { fail_at(at.loc(), fmt::format("block '{}': {}", b.name, m)); };
  if (!b.def.is_object()) bad(b.src, "a block must be a mapping with 'layers'");
  for (const auto& [k, v] : b.def.items())
    if (!kBlockDefKeys.count(k))
      bad(b.src.at(k),
          fmt::format("unknown key '{}' in a block (known: description, params, inputs, layers, output)", k));
  if (!b.def.contains("layers")) bad(b.src, "missing key 'layers'");
  if (b.def.contains("params")) {
    if (!b.def["params"].is_object()) bad(b.src.at("params"), "'params' must be a mapping of name: default");
    for (const auto& [k, v] : b.def["params"].items())
      if (!is_identifier(k)) bad(b.src.at("params").at(k), fmt::format("parameter name '{}' is not an identifier", k));
  }
  if (b.def.contains("inputs")) {
    const json& in = b.def["inputs"];
    if (!in.is_array() || in.empty()) bad(b.src.at("inputs"), "'inputs' must be a non-empty list of names");
    std::set<std::string> seen;
    for (size_t i = 0; i < in.size(); ++i)
      if (!in[i].is_string() || !is_identifier(in[i].get<std::string>()) ||
          !seen.insert(in[i].get<std::string>()).second)
        bad(b.src.at("inputs").at(i), fmt::format("input names must be distinct identifiers, got {}", in[i].dump()));
  }
  if (b.def.contains("output") && !b.def["output"].is_string())
    bad(b.src.at("output"), "'output' must name a layer of the block");
}

}  // namespace

const BlockDef& BlockLibrary::add_checked(BlockDef b) {
  check_block_def(b);
  const std::string id = b.id;
  return blocks_.emplace(id, std::move(b)).first->second;
}

const BlockDef& BlockLibrary::from_file(const std::string& name, const std::string& path, const Src& at,
                                        const std::string& context) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  const std::string id = ec ? path : canonical.string();
  auto it = blocks_.find(id);
  if (it != blocks_.end()) return it->second;
  if (!fs::exists(path, ec) && !ec)
    fail_at(at.loc(), fmt::format("block '{}': no such file '{}'", name, path) + context);
  std::string text;
  try {
    text = read_text_file(path, "block file");  // the one safe reader: no FIFOs, directories, huge files
  } catch (const Error& e) {
    fail_at(at.loc(), fmt::format("block '{}': {}", name, e.what()) + context);
  }
  auto doc = std::make_unique<ConfigDoc>(ConfigDoc::load_string(text, path));
  BlockDef b{fs::path(path).stem().string(), id, doc.get(), Src{doc.get(), ""}, doc->root()};
  files_[id] = std::move(doc);
  return add_checked(std::move(b));
}

const BlockDef& BlockLibrary::find(const std::string& name, const std::string& using_file, const Src& at,
                                   const std::string& context) {
  const std::string here = directory_of(using_file);
  if (name.find('/') != std::string::npos || fs::path(name).extension() == ".yaml")
    return from_file(name, (fs::path(here) / name).lexically_normal().string(), at, context);
  const json& inline_blocks = model_.root().value("blocks", json::object());
  if (!inline_blocks.is_object())
    fail_at(Src{&model_, "/blocks"}.loc(), "'blocks' must map block names to definitions");
  if (inline_blocks.contains(name)) {
    const std::string id = "inline:" + name;
    auto it = blocks_.find(id);
    if (it != blocks_.end()) return it->second;
    const Src def_src{&model_, "/blocks/" + escape_pointer_token(name)};
    if (!is_identifier(name)) fail_at(def_src.loc(), "block names must be identifiers");
    return add_checked(BlockDef{name, id, &model_, def_src, inline_blocks[name]});
  }
  // A model and the blocks beside it travel together, so they come first.
  std::vector<std::string> dirs{(fs::path(here) / ".." / "blocks").lexically_normal().string()};
  for (const auto& d : search_dirs_) dirs.push_back(d);
  for (const auto& d : dirs) {
    const fs::path p = fs::path(d) / (name + ".yaml");
    std::error_code ec;  // a symlink loop counts as there; from_file reports it
    if (fs::exists(p, ec) || ec) return from_file(name, p.string(), at, context);
  }
  std::vector<std::string> inline_names;
  for (const auto& [k, v] : inline_blocks.items()) inline_names.push_back(k);
  const std::string hint =
      has_layer_type(name) ? fmt::format("; '{}' is a layer type: write type: {}", name, name) : "";
  fail_at(at.loc(), fmt::format("unknown block '{}' (inline blocks: {}; looked for {}.yaml in: {}){}", name,
                                join(inline_names), name, join(dirs), hint) +
                        context);
}

}  // namespace atrous::expansion
