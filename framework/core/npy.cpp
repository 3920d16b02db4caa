#include "core/npy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bit>
#include <cstring>

#include "core/error.hpp"

namespace atrous {

namespace {

// NumPy's tuple syntax: "()", "(5,)", "(3, 4, 5)".
std::string shape_tuple(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

std::string to_npy(const std::vector<int64_t>& shape, const std::vector<float>& values) {
  static_assert(std::endian::native == std::endian::little, "the .npy writer stores native floats as '<f4'");
  size_t count = 1;
  for (int64_t d : shape) {
    check(d >= 0, "to_npy: negative dimension in shape {}", shape_tuple(shape));
    count *= static_cast<size_t>(d);
  }
  check(count == values.size(), "to_npy: shape {} needs {} values, got {}", shape_tuple(shape), count,
        values.size());

  constexpr size_t kPreamble = 10;  // magic (6) + version (2) + header length (2)
  constexpr size_t kAlign = 64;
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': {}, }}", shape_tuple(shape));
  const size_t unpadded = kPreamble + header.size() + 1;  // + the closing '\n'
  header.append((kAlign - unpadded % kAlign) % kAlign, ' ');
  header += '\n';
  check(header.size() <= 0xFFFF, "to_npy: header of {} bytes does not fit version 1.0", header.size());

  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const size_t data_at = out.size();
  out.resize(data_at + values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(out.data() + data_at, values.data(), values.size() * sizeof(float));
  return out;
}

}  // namespace atrous
