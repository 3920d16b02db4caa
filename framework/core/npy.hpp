#pragma once
// NumPy's .npy format, version 1.0, for float32 arrays — what `np.load` and
// `torch.from_numpy(np.load(...))` read without any atrous code:
//   6 bytes  "\x93NUMPY", then version 1 0
//   2 bytes  little-endian u16 header length N
//   N bytes  ASCII dict "{'descr': '<f4', 'fortran_order': False, 'shape': (C, H, W), }",
//            padded with spaces and ended by '\n' so that the data starts 64-byte aligned
//   data     little-endian f32 values in C (row-major) order
#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

// The file's exact bytes. `values` must hold product(shape) floats.
std::string to_npy(const std::vector<int64_t>& shape, const std::vector<float>& values);

}  // namespace atrous
