#pragma once
// Seeds for pure functions of a tuple: image i of split s is generated from
// mix_seed({seed, s, i}), the augmentation of sample i in epoch e from
// mix_seed({seed, e, i}), so any element can be produced alone, in any order,
// by any thread, and always comes out the same.
#include <cstdint>
#include <initializer_list>

namespace atrous {

inline uint64_t mix_seed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x243F6A8885A308D3ull;  // digits of pi: any fixed non-zero start
  for (uint64_t p : parts) {
    // One SplitMix64 finalisation per part: every input bit changes every output bit.
    h += p + 0x9E3779B97F4A7C15ull;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    h ^= h >> 31;
  }
  return h;
}

// Distinct tags keep streams that share the other parts apart.
enum class SeedTag : uint64_t { image = 1, augment = 2, batch_scale = 3, shuffle = 4, file_split = 5 };
inline uint64_t seed_tag(SeedTag t) { return static_cast<uint64_t>(t); }

}  // namespace atrous
