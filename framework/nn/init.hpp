#pragma once
// Parameter initialisers. Weights are OIHW (or IOHW for transposed convs; the
// caller passes fan-in/out accordingly).
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "nn/layer.hpp"

namespace atrous::init {

// The names the model language accepts for `init:`.
const std::vector<std::string>& names();

void constant(Param& p, float value);
// He et al. 2015: std = gain / sqrt(fan_in), gain = sqrt(2) for ReLU.
void kaiming_normal(Param& p, int64_t fan_in, Rng& rng);
void kaiming_uniform(Param& p, int64_t fan_in, Rng& rng);
// Glorot & Bengio 2010: std = sqrt(2 / (fan_in + fan_out)).
void xavier_normal(Param& p, int64_t fan_in, int64_t fan_out, Rng& rng);
void xavier_uniform(Param& p, int64_t fan_in, int64_t fan_out, Rng& rng);
// Bilinear upsampling filter for a transposed conv weight of dims [I, O, kh, kw]:
// channel i -> output i (identity across channels), other pairs zero.
void bilinear(Param& p);
// Yu & Koltun 2016, eq. (6): for a conv weight [O, I, kh, kw] the centre tap
// w[o, i] = C / O when floor(i*C/I) == floor(o*C/O), C = min(I, O), so that the
// layer passes its input through (identity when I == O); other taps get noise
// with std `noise` * C / O so that the gradients can break the symmetry.
// A grouped conv ([O, I/groups, kh, kw]) gets this per group, with O/groups outputs.
void identity(Param& p, Rng& rng, double noise = 1e-3, int64_t groups = 1);

// Applies the initialiser named `name` (one of names()) to a conv-like weight.
// For "identity", the number of groups is O * kh * kw / fan_out (a conv's fan_out
// is (O / groups) * kh * kw).
void apply(const std::string& name, Param& p, int64_t fan_in, int64_t fan_out, Rng& rng);

}  // namespace atrous::init
