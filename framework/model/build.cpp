#include "model/build.hpp"

#include <fmt/format.h>

#include "nn/attr_error.hpp"
#include "nn/registry.hpp"

namespace atrous {

using nlohmann::json;

Graph build_graph(const ResolvedModel& m) {
  const json& spec = m.spec;
  const json& in = spec.at("input");
  const Shape input{in.at("channels").get<int64_t>(), in.at("height").get<int64_t>(), in.at("width").get<int64_t>()};
  Graph g;
  try {
    g.add_input("input", input);
  } catch (const Error& e) {  // a size that overflows: point at the largest
    const char* key = input.h >= input.w && input.h >= input.c ? "input.height"
                      : input.w >= input.c                     ? "input.width"
                                                               : "input.channels";
    m.fail_model(key, e.what());
  }
  for (const auto& l : spec.at("layers")) {
    const std::string name = l.at("name").get<std::string>();
    const std::string type = l.at("type").get<std::string>();
    const auto from = l.at("from").get<std::vector<std::string>>();
    json attrs = l;
    attrs.erase("name");
    attrs.erase("type");
    attrs.erase("from");
    // The layers check their attributes and inputs; each error says at which key.
    try {
      g.add(name, create_layer(type, attrs, fmt::format("layer '{}' ({})", name, type)), from);
    } catch (const AttrError& e) {
      m.fail(name, e.key(), e.message());
    }
  }
  const std::string output = spec.at("output").get<std::string>();
  g.set_output(output);
  const Shape out = g.shape(output);
  if (spec.at("dense").get<bool>() && (out.h != input.h || out.w != input.w))
    m.fail_model("dense", fmt::format("the model is declared dense but its output '{}' is {} for a {} input (height "
                                      "and width must match the input's)",
                                      output, out.str(), input.str()));
  if (spec.contains("classes") && out.c != spec["classes"].get<int64_t>())
    m.fail_model("classes", fmt::format("the model declares {} classes but its output '{}' has {} channels",
                                        spec["classes"].get<int64_t>(), output, out.c));
  return g;
}

void check_model(const ResolvedModel& m) { (void)build_graph(m); }

}  // namespace atrous
