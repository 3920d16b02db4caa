#pragma once
// Model documents before expansion: a YAML file, the chain of files it
// `extends`, and the `--set` overrides, merged into one ConfigDoc whose
// locations still point at the file (or the --set) each value came from.
#include <string>
#include <vector>

#include "core/config.hpp"

namespace atrous {

// Keys a model document may have at its top level.
const std::vector<std::string>& model_document_keys();

// Loads `path` and, recursively, what it extends (paths relative to the extending
// file). Merge rules, child over base:
//   params, blocks, input  merged entry by entry (a child's entry replaces the base's);
//   override               {layer name: {key: value}} patches the base's named layers
//                          (a null value removes the key);
//   layers                 replaced as a whole when the child gives them;
//   anything else          replaced; `name` is never inherited (it defaults to the file's stem).
ConfigDoc load_model_document(const std::string& path);
// The same for a YAML string; `name` stands for the file in locations and
// relative `extends` paths resolve from the current directory.
ConfigDoc load_model_document_string(const std::string& yaml, const std::string& name);

// Applies one Hydra-style override ("width=32", "params.width=32", "input.height=96",
// "layers.3.out=64"). A first component that names a parameter sets that parameter;
// otherwise it must be a top-level key of the document ("+name=value" adds a parameter).
void apply_model_override(ConfigDoc& doc, const std::string& assignment);

// The directory part of a path ("." when there is none).
std::string directory_of(const std::string& path);
// "a/b/cbr.yaml" -> "cbr".
std::string file_stem(const std::string& path);

}  // namespace atrous
