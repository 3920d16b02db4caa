#include "analysis/stack_model.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

#include "core/error.hpp"
#include "model/load.hpp"

namespace atrous {

std::vector<int64_t> parse_dilations(const std::string& text) {
  std::vector<int64_t> out;
  size_t pos = 0;
  const auto bad = [&](const std::string& why) {
    return Error(fmt::format("--dilations '{}': {} (expected positive integers up to {} separated by commas, e.g. 1,2,4,8)",
                             text, why, kMaxStackDilation),
                 Error::Kind::usage);
  };
  if (text.empty()) throw bad("empty");
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size())
      throw bad(fmt::format("'{}' is not an integer", item));
    if (v < 1) throw bad(fmt::format("{} is not positive", v));
    if (v > kMaxStackDilation) throw bad(fmt::format("{} is too large", v));
    out.push_back(v);
    pos = comma + 1;
  }
  return out;
}

void check_stack(const StackSpec& s) {
  check(!s.dilations.empty(), "a stack needs at least one dilation");
  const auto in_range = [](const char* option, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
      throw Error(fmt::format("{}: expected an integer in [{}, {}], got {}", option, lo, hi, v), Error::Kind::usage);
  };
  in_range("--kernel", s.kernel, 1, kMaxStackKernel);
  in_range("--channels", s.channels, 1, kMaxStackChannels);
  in_range("--layers", s.layers, 0, kMaxStackLayers);
  for (int64_t d : s.dilations) in_range("--dilations", d, 1, kMaxStackDilation);
  const int64_t layers = s.layers > 0 ? s.layers : static_cast<int64_t>(s.dilations.size());
  if (layers > kMaxStackLayers)
    throw Error(fmt::format("--dilations: {} rates make {} layers; at most {}", s.dilations.size(), layers,
                            kMaxStackLayers),
                Error::Kind::usage);
  const int64_t params = layers * s.kernel * s.kernel * s.channels * s.channels;
  if (params > kMaxStackParams)
    throw Error(fmt::format("--kernel {} --channels {} over {} layers make {} parameters; at most {} (use fewer "
                            "channels: the receptive field does not depend on them)",
                            s.kernel, s.channels, layers, params, kMaxStackParams),
                Error::Kind::usage);
}

std::string stack_yaml(const StackSpec& s) {
  check_stack(s);
  const size_t n = s.layers > 0 ? static_cast<size_t>(s.layers) : s.dilations.size();
  std::vector<int64_t> rates;
  for (size_t i = 0; i < n; ++i) rates.push_back(s.dilations[i % s.dilations.size()]);
  const std::string name = fmt::format("stack_k{}_d{}", s.kernel, fmt::join(rates, "_"));
  std::string y = fmt::format("name: {}\ninput: {{channels: {}, height: {}, width: {}}}\n", name, s.channels,
                              s.height, s.width);
  if (s.relu)
    y += fmt::format(
        "blocks:\n  cr:\n    params: {{d: 1}}\n    layers:\n"
        "      - {{name: conv, type: conv, out: {}, kernel: {}, dilation: \"${{d}}\"}}\n"
        "      - {{name: relu, type: relu}}\n"
        "layers:\n  - {{name: c, block: cr, repeat: {{d: [{}]}}}}\n",
        s.channels, s.kernel, fmt::join(rates, ", "));
  else
    y += fmt::format("layers:\n  - {{name: c, type: conv, out: {}, kernel: {}, repeat: {{dilation: [{}]}}}}\n",
                     s.channels, s.kernel, fmt::join(rates, ", "));
  return y;
}

ResolvedModel stack_model(const StackSpec& spec) { return load_model_string(stack_yaml(spec), "--dilations"); }

ResolvedModel stack_model(StackSpec spec, const std::optional<Shape>& input) {
  if (input) {
    spec.channels = input->c;
    spec.height = input->h;
    spec.width = input->w;
  }
  return stack_model(spec);
}

}  // namespace atrous
