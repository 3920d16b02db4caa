#pragma once
// The blocks one model expansion uses: inline under the model's `blocks:`, a
// path (`block: ../blocks/x.yaml`, relative to the using file), or NAME.yaml
// found on the search path (model/block_search_path.hpp). Each definition is
// read and checked once, then shared by every use.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "model/expansion.hpp"

namespace atrous::expansion {

struct BlockDef {
  std::string name;
  std::string id;  // "inline:NAME" or the file's canonical path: what `block uses itself` compares
  const ConfigDoc* doc = nullptr;
  Src src;
  nlohmann::json def;
};

class BlockLibrary {
 public:
  // `model`: the model document (its inline `blocks`); `search_dirs`: searched,
  // in order, after the `blocks` folder beside the using file's folder.
  BlockLibrary(const ConfigDoc& model, std::vector<std::string> search_dirs)
      : model_(model), search_dirs_(std::move(search_dirs)) {}

  // The block `name` used in `using_file` at `at`; `context` ends the message of
  // an error at the use (the block uses that led there, Scopes::context).
  const BlockDef& find(const std::string& name, const std::string& using_file, const Src& at,
                       const std::string& context);

 private:
  const BlockDef& from_file(const std::string& name, const std::string& path, const Src& at,
                            const std::string& context);
  const BlockDef& add_checked(BlockDef b);

  const ConfigDoc& model_;
  std::vector<std::string> search_dirs_;
  std::map<std::string, std::unique_ptr<ConfigDoc>> files_;  // by BlockDef::id; BlockDef::doc points here
  std::map<std::string, BlockDef> blocks_;                   // by BlockDef::id
};

}  // namespace atrous::expansion
