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
    return Error(fmt::format("--dilations '{}': {} (expected positive integers separated by commas, e.g. 1,2,4,8)",
                             text, why),
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
    out.push_back(v);
    pos = comma + 1;
  }
  return out;
}

std::string stack_yaml(const StackSpec& s) {
  check(!s.dilations.empty(), "a stack needs at least one dilation");
  if (s.kernel < 1) throw Error(fmt::format("--kernel: expected a positive size, got {}", s.kernel), Error::Kind::usage);
  if (s.channels < 1)
    throw Error(fmt::format("--channels: expected a positive count, got {}", s.channels), Error::Kind::usage);
  if (s.layers < 0) throw Error(fmt::format("--layers: expected a positive count, got {}", s.layers), Error::Kind::usage);
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
