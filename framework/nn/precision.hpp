#pragma once
// The number format the convolutions compute in: f32, or bf16 (brain float: f32's
// 8-bit exponent, 8 mantissa bits) on CPUs with bf16 instructions. bf16 is a
// compute format only: parameters, their gradients, optimizer state, the loss and
// the tensors between layers stay f32 (docs/precision.md says why and what it costs).
#include <string>
#include <vector>

namespace atrous {

class Graph;

enum class Precision { f32, bf16 };

std::string precision_name(Precision p);
// "f32" or "bf16"; anything else is a usage error listing both.
Precision parse_precision(const std::string& name);
const std::vector<std::string>& precision_names();

// Whether oneDNN's effective ISA has native bf16 (avx512_core_bf16, or AMX which
// includes it). Without it oneDNN would emulate bf16 slower than f32.
bool cpu_has_bf16();

// Sets the precision of every layer that has a bf16 path (the conv-like layers),
// before the graph first runs: kernels are built with it. bf16 on a CPU without it
// is a usage error naming the ISA. Returns the number of layers set.
int use_precision(Graph& graph, Precision p);

}  // namespace atrous
