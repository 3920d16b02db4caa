#pragma once
// The resolved model: what a model file means once parameters, expressions,
// blocks, repeats, `extends` and `--set` overrides are all applied. It is plain,
// canonical JSON (keys sorted, names deterministic) so that it can be hashed into
// run ids and saved beside checkpoints, plus a side table that maps each resolved
// layer back to the YAML it came from, for error messages.
//
// Schema of `spec`:
//   {
//     "name":    string,
//     "input":   {"channels": int, "height": int, "width": int},
//     "dense":   bool,          // the output must have the input's height and width
//     "classes": int,           // optional; the output must have this many channels
//     "output":  string,        // the layer whose tensor the model returns
//     "layers":  [             // in a topological order; inputs come before users
//       {"name": "aspp.b0.conv", "type": "conv", "from": ["dil8"], <attributes...>}
//     ]
//   }
// `from` names earlier layers or "input" (the model input). Attributes are exactly
// what the layer type reads (see nn/registry.hpp); no defaults are filled in.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace atrous {

// Where one resolved layer came from.
struct LayerOrigin {
  SourceLocation at;                            // the layer's entry in its YAML list
  std::map<std::string, SourceLocation> keys;   // per attribute / "type" / "name" / "from"
  // Block uses that led here, outermost first: "block 'aspp' used at m.yaml:12:5".
  std::vector<std::string> via;

  SourceLocation where(const std::string& key) const;
  // " (in block 'cbr' used at ...; block 'x' used at ...)" or "".
  std::string context() const;
};

struct ResolvedModel {
  nlohmann::json spec;
  std::string file;                                    // the model file (or a name for strings)
  std::map<std::string, LayerOrigin> origins;          // by resolved layer name
  std::map<std::string, SourceLocation> model_keys;    // "name", "input", "dense", "classes", "output", ...

  const std::string& name() const;
  // The spec as one canonical line of JSON (sorted keys): hash this for run ids.
  std::string canonical() const { return spec.dump(); }

  SourceLocation where(const std::string& layer, const std::string& key = "") const;
  SourceLocation where_model(const std::string& key) const;
  // Throws atrous::Error (usage) located at the layer's key, naming the layer.
  [[noreturn]] void fail(const std::string& layer, const std::string& key, const std::string& message) const;
  [[noreturn]] void fail_model(const std::string& key, const std::string& message) const;
};

// Wraps an already resolved spec (e.g. read back beside a checkpoint); checks the
// schema above. Errors are located at `what` (a file name or description).
ResolvedModel resolved_from_json(const nlohmann::json& spec, const std::string& what);

}  // namespace atrous
