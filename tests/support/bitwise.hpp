#pragma once
// Exact equality of float arrays, bit for bit (NaNs and signed zeros included):
// what "the memory plan changes where tensors live, never what is computed" means.
#include <cstring>
#include <vector>

namespace atrous::testing {

inline bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace atrous::testing
