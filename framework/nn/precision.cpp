#include "nn/precision.hpp"

#include <dnnl.hpp>

#include "core/context.hpp"
#include "core/error.hpp"
#include "nn/conv_like_layer.hpp"
#include "nn/graph.hpp"

namespace atrous {

std::string precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "f32"; }

const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names{"f32", "bf16"};
  return names;
}

Precision parse_precision(const std::string& name) {
  if (name == "f32") return Precision::f32;
  if (name == "bf16") return Precision::bf16;
  throw Error(fmt::format("precision must be f32 or bf16, got '{}'", name), Error::Kind::usage);
}

bool cpu_has_bf16() {
  // oneDNN's cpu_isa values are bit sets: each ISA includes the bits of those it extends.
  const auto bits = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  return (bits & bf16) == bf16;
}

int use_precision(Graph& graph, Precision p) {
  if (p == Precision::bf16 && !cpu_has_bf16())
    throw Error(fmt::format("bf16 needs a CPU with AVX-512 bf16 or AMX instructions; oneDNN runs on {} here "
                            "(use precision f32)",
                            dnnl_isa_name()),
                Error::Kind::usage);
  int found = 0;
  for (const auto& node : graph.nodes())
    if (auto* conv = dynamic_cast<ConvLikeLayer*>(node.layer.get())) {
      conv->set_precision(p);
      ++found;
    }
  return found;
}

}  // namespace atrous
