#pragma once
// The entries of a `layers:` list, in the model or in a block: each is a layer
// (`type:`) or a block use (`block:`), with its name, inputs (`from`, `like`),
// `repeat` and `parallel`. Expanding them makes PendingLayers with scoped names;
// references are resolved afterwards (model/name_resolution.hpp). Repeats are
// checked against kMaxModelLayers before they are expanded.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "model/block_library.hpp"
#include "model/expansion.hpp"
#include "model/parameters.hpp"

namespace atrous::expansion {

class LayerEntries {
 public:
  // `model`: the model document (to hint at inline blocks written as `type:`).
  LayerEntries(const ConfigDoc& model, Scopes& scopes, Parameters& params, BlockLibrary& blocks)
      : model_(model), scopes_(scopes), params_(params), blocks_(blocks) {}

  // Expands the list `list` (at `src`) in scope `sc`, its first entry reading
  // `prev`; returns what the list's output is (its last entry).
  Target expand_list(int sc, const nlohmann::json& list, const Src& src, Target prev);

  // Every layer made so far, in the written order.
  std::vector<PendingLayer>& layers() { return layers_; }

 private:
  // Per repeat instance: the repeated keys' values and where each came from.
  using Instance = std::map<std::string, std::pair<nlohmann::json, Src>>;

  void expand_entry(int sc, const nlohmann::json& e, const Src& src, size_t index, Target& prev);
  Target add_layer(int sc, const nlohmann::json& e, const Src& src, const std::string& type, const std::string& local,
                   std::vector<Target> in, const Instance& inst);
  Target expand_block_use(int sc, const nlohmann::json& e, const Src& src, const std::string& block,
                          const std::string& local, std::vector<Target> in, const Src& from_src, const Instance& inst);
  void check_layer_budget(int sc, const Src& repeat_src, int64_t count) const;
  void check_repeat_total(int sc, const Src& repeat_src, int64_t per_instance, int64_t count) const;

  const ConfigDoc& model_;
  Scopes& scopes_;
  Parameters& params_;
  BlockLibrary& blocks_;
  std::vector<PendingLayer> layers_;
  int64_t instance_product_ = 1;  // the product of the repeat counts of the entries being expanded
};

}  // namespace atrous::expansion
