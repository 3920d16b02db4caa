#include "nn/init.hpp"

#include <cmath>

#include "core/error.hpp"

namespace atrous::init {

const std::vector<std::string>& names() {
  static const std::vector<std::string> n = {"kaiming_normal", "kaiming_uniform", "xavier_normal",
                                             "xavier_uniform", "identity",        "bilinear",
                                             "zeros",          "ones"};
  return n;
}

// Every initialiser allocates the storage it fills (a layer may be initialised
// outside a graph, e.g. in tests).
void constant(Param& p, float value) {
  p.allocate();
  std::fill(p.value.begin(), p.value.end(), value);
}

void kaiming_normal(Param& p, int64_t fan_in, Rng& rng) {
  p.allocate();
  const double std = std::sqrt(2.0 / static_cast<double>(fan_in));
  for (auto& v : p.value) v = static_cast<float>(rng.normal(0.0, std));
}

void kaiming_uniform(Param& p, int64_t fan_in, Rng& rng) {
  p.allocate();
  const double bound = std::sqrt(6.0 / static_cast<double>(fan_in));
  for (auto& v : p.value) v = static_cast<float>(rng.uniform(-bound, bound));
}

void xavier_normal(Param& p, int64_t fan_in, int64_t fan_out, Rng& rng) {
  p.allocate();
  const double std = std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  for (auto& v : p.value) v = static_cast<float>(rng.normal(0.0, std));
}

void xavier_uniform(Param& p, int64_t fan_in, int64_t fan_out, Rng& rng) {
  p.allocate();
  const double bound = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  for (auto& v : p.value) v = static_cast<float>(rng.uniform(-bound, bound));
}

void bilinear(Param& p) {
  check(p.dims.size() == 4, "bilinear init needs a 4-d weight, got {}", dims_str(p.dims));
  const int64_t I = p.dims[0], O = p.dims[1], KH = p.dims[2], KW = p.dims[3];
  auto filter = [](int64_t k, int64_t x) {
    const double factor = static_cast<double>((k + 1) / 2);
    const double center = (k % 2 == 1) ? factor - 1 : factor - 0.5;
    return 1.0 - std::abs(static_cast<double>(x) - center) / factor;
  };
  constant(p, 0.f);
  for (int64_t c = 0; c < std::min(I, O); ++c)
    for (int64_t y = 0; y < KH; ++y)
      for (int64_t x = 0; x < KW; ++x)
        p.value[((c * O + c) * KH + y) * KW + x] = static_cast<float>(filter(KH, y) * filter(KW, x));
}

void identity(Param& p, Rng& rng, double noise, int64_t groups) {
  check(p.dims.size() == 4, "identity init needs a 4-d weight, got {}", dims_str(p.dims));
  const int64_t O = p.dims[0], I = p.dims[1], KH = p.dims[2], KW = p.dims[3];
  check(groups > 0 && O % groups == 0, "identity init: {} outputs do not split into {} groups", O, groups);
  // I is already the per-group input count; the mapping repeats in every group.
  const int64_t Og = O / groups;
  const int64_t C = std::min(I, Og);
  const double scale = static_cast<double>(C) / static_cast<double>(Og);
  p.allocate();
  for (auto& v : p.value) v = static_cast<float>(rng.normal(0.0, noise * scale));
  for (int64_t o = 0; o < O; ++o)
    for (int64_t i = 0; i < I; ++i)
      if ((i * C) / I == ((o % Og) * C) / Og)
        p.value[((o * I + i) * KH + KH / 2) * KW + KW / 2] = static_cast<float>(scale);
}

namespace {

// The group count of a conv weight, recovered from its fan_out ((O / groups) * kh * kw).
int64_t groups_from_fan_out(const Param& p, int64_t fan_out) {
  if (p.dims.size() != 4 || fan_out <= 0) return 1;
  const int64_t total = p.dims[0] * p.dims[2] * p.dims[3];
  if (total % fan_out != 0) return 1;
  const int64_t groups = total / fan_out;
  return groups >= 1 && p.dims[0] % groups == 0 ? groups : 1;
}

}  // namespace

void apply(const std::string& name, Param& p, int64_t fan_in, int64_t fan_out, Rng& rng) {
  if (name == "kaiming_normal") kaiming_normal(p, fan_in, rng);
  else if (name == "kaiming_uniform") kaiming_uniform(p, fan_in, rng);
  else if (name == "xavier_normal") xavier_normal(p, fan_in, fan_out, rng);
  else if (name == "xavier_uniform") xavier_uniform(p, fan_in, fan_out, rng);
  else if (name == "identity") identity(p, rng, 1e-3, groups_from_fan_out(p, fan_out));
  else if (name == "bilinear") bilinear(p);
  else if (name == "zeros") constant(p, 0.f);
  else if (name == "ones") constant(p, 1.f);
  else throw Error("unknown initialiser '" + name + "'", Error::Kind::usage);
}

}  // namespace atrous::init
