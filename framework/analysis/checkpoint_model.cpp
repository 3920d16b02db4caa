#include "analysis/checkpoint_model.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "train/checkpoint.hpp"

namespace atrous {

using nlohmann::json;

ModelLoader checkpoint_model_loader(const std::string& path) {
  const Checkpoint ck = load_checkpoint(path);
  json spec;
  const auto parse = [&](const char* key) {
    try {
      return json::parse(ck.metadata.at(key));
    } catch (const json::exception& e) {
      throw Error(fmt::format("{}: metadata '{}' is not JSON: {}", path, key, e.what()));
    }
  };
  if (ck.metadata.count(kCheckpointRunKey)) {
    const json run = parse(kCheckpointRunKey);
    if (!run.is_object() || !run.contains("model"))
      throw Error(fmt::format("{}: metadata '{}' has no 'model'", path, kCheckpointRunKey));
    spec = run["model"];
  } else if (ck.metadata.count(kCheckpointModelKey)) {
    spec = parse(kCheckpointModelKey);
  } else {
    throw Error(fmt::format("{}: the checkpoint holds no model (metadata '{}' or '{}'); give the model file too",
                            path, kCheckpointRunKey, kCheckpointModelKey),
                Error::Kind::usage);
  }
  resolved_from_json(spec, path);  // fail now, not at the first use
  return [spec, path](const std::optional<Shape>& input) {
    json s = spec;
    if (input) s["input"] = {{"channels", input->c}, {"height", input->h}, {"width", input->w}};
    return resolved_from_json(s, path);
  };
}

}  // namespace atrous
