#include "model/build.hpp"

#include <fmt/format.h>

#include <cctype>

#include "nn/registry.hpp"

namespace atrous {

using nlohmann::json;

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The attribute an error message is about: a quoted key ('out'), else a key
// mentioned as a word ("out must be positive"), else none.
std::string key_in_message(const std::string& message, const json& attrs) {
  for (const auto& [k, v] : attrs.items())
    if (message.find("'" + k + "'") != std::string::npos) return k;
  for (const auto& [k, v] : attrs.items())
    for (size_t pos = message.find(k); pos != std::string::npos; pos = message.find(k, pos + 1)) {
      const bool left = pos == 0 || !is_word_char(message[pos - 1]);
      const bool right = pos + k.size() >= message.size() || !is_word_char(message[pos + k.size()]);
      if (left && right) return k;
    }
  return "";
}

// Re-throws an error raised by a layer (or by the graph binding it) at the
// YAML location of the layer and, when the message names one, of the key.
[[noreturn]] void relocate(const ResolvedModel& m, const std::string& name, const std::string& type,
                           const json& attrs, std::string message, const std::string& who) {
  // Drop the layer prefixes the layer/graph added; ResolvedModel::fail adds its own.
  for (bool again = true; again;) {
    again = false;
    for (const std::string& prefix : {who + ": ", type + ": "})
      if (message.rfind(prefix, 0) == 0) {
        message = message.substr(prefix.size());
        again = true;
      }
  }
  m.fail(name, key_in_message(message, attrs), message);
}

// Sizes must be positive (and paddings non-negative) before a layer sees them,
// so that the error names the key and its location whatever the layer says.
void check_sizes(const ResolvedModel& m, const std::string& name, const json& attrs) {
  auto check_key = [&](const char* key, int64_t min) {
    if (!attrs.contains(key)) return;
    const json& v = attrs[key];
    std::vector<json> values = v.is_array() ? std::vector<json>(v.begin(), v.end()) : std::vector<json>{v};
    for (const auto& x : values)
      if (x.is_number_integer() && x.get<int64_t>() < min)
        m.fail(name, key,
               fmt::format("'{}' must be {}, got {}", key, min > 0 ? "positive" : "non-negative", v.dump()));
  };
  for (const char* k : {"out", "kernel", "stride", "dilation", "groups", "size"}) check_key(k, 1);
  for (const char* k : {"padding", "output_padding"}) check_key(k, 0);
  if (attrs.contains("scale") && attrs["scale"].is_number() && !(attrs["scale"].get<double>() > 0))
    m.fail(name, "scale", fmt::format("'scale' must be positive, got {}", attrs["scale"].dump()));
}

// concat needs equal heights and widths, add equal shapes; say which inputs differ.
void check_merge(const ResolvedModel& m, const Graph& g, const std::string& name, const std::string& type,
                 const std::vector<std::string>& from) {
  if (type != "concat" && type != "add") return;
  if (from.size() < 2) m.fail(name, "from", fmt::format("{} needs at least two inputs in 'from'", type));
  const Shape first = g.shape(from[0]);
  for (size_t i = 1; i < from.size(); ++i) {
    const Shape s = g.shape(from[i]);
    if (s.h != first.h || s.w != first.w)
      m.fail(name, "from",
             fmt::format("spatial mismatch: input '{}' is {} but '{}' is {} (height and width must agree)", from[0],
                         first.str(), from[i], s.str()));
    if (type == "add" && s.c != first.c)
      m.fail(name, "from",
             fmt::format("channel mismatch: input '{}' is {} but '{}' is {} (add needs equal channels)", from[0],
                         first.str(), from[i], s.str()));
  }
}

}  // namespace

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
    check_sizes(m, name, attrs);
    check_merge(m, g, name, type, from);
    const std::string who = fmt::format("layer '{}' ({})", name, type);
    std::unique_ptr<Layer> layer;
    try {
      layer = create_layer(type, attrs, who);
    } catch (const Error& e) {
      relocate(m, name, type, attrs, e.what(), who);
    }
    try {
      g.add(name, std::move(layer), from);
    } catch (const Error& e) {
      relocate(m, name, type, attrs, e.what(), who);
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
