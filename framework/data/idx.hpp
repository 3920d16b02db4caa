#pragma once
// IDX files (the MNIST / Fashion-MNIST container), gzip'd or not, read with zlib.
#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

struct IdxArray {
  std::vector<int64_t> dims;  // e.g. {60000, 28, 28} for images, {60000} for labels
  std::vector<uint8_t> data;  // unsigned bytes, row-major
};

// Only the unsigned-byte element type (magic 0x0000 08 NN) is accepted: that is
// what (Fashion-)MNIST uses. Errors name the file.
IdxArray read_idx(const std::string& path);

}  // namespace atrous
