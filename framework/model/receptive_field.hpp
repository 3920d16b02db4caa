#pragma once
// Theoretical receptive fields: for each layer, the extent (in input pixels) of
// the input region that can influence one output pixel, and the jump: the
// distance in input pixels between adjacent output pixels (the cumulative stride;
// a fraction after upsampling).
//
// Method. Per axis, on an unbounded input (no borders, so padding only shifts
// indices), each tensor T has for every pixel o the interval [lo_T(o), hi_T(o)]
// of input pixels it depends on. The input has lo = hi = o; a layer's interval is
// the union of the intervals of the input pixels it reads, which model/geometry
// lists per type:
//   conv / pooling    o reads i = o*s - p + t*d for t = 0..k-1. For a stack of
//                     stride-1 convs this gives RF = 1 + sum (k-1)*d.
//   deconv            out[o] receives in[i] * w[t] whenever i*s - p + t*d = o, so
//                     o reads every i = (o + p - t*d)/s that is an integer. Which
//                     taps hit depends on o mod s, so neighbouring outputs can
//                     have different extents; some (k < s) read nothing at all.
//   resize            bilinear, align_corners false: x = (o + 1/2)*in/out - 1/2,
//                     o reads floor(x) and, when x is not an integer, floor(x)+1
//                     (the taps with non-zero weight); align_corners true: x =
//                     o*(in-1)/(out-1); nearest: floor(o*in/out). The ratio
//                     in/out is taken from the shapes at the model's declared
//                     input size, so a resize's RF can depend on that size.
//   global_avgpool    everything: the RF is "global" and so is every RF downstream.
//   concat / add      the union over the inputs: the largest over all paths
//                     (exactly the largest when the branches are centred alike).
//   pointwise         unchanged.
// The RF of T is the largest extent hi - lo + 1 over a window of output pixels
// wide enough to cover every phase (kWindow); with no upsampling all pixels have
// the same extent. The jump is s per window layer, 1/s per deconv, in/out per
// resize (in-1)/(out-1 with align_corners), the input size for global pooling.
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "nn/layer.hpp"

namespace atrous {

struct Fraction {
  int64_t num = 1, den = 1;
  static Fraction of(int64_t num, int64_t den);  // reduced, den > 0
  // A usage error when the product overflows int64 (e.g. huge strides).
  Fraction operator*(const Fraction& o) const;
  bool operator==(const Fraction&) const = default;
  double value() const { return static_cast<double>(num) / static_cast<double>(den); }
  std::string str() const;  // "8", "1/2"
};

struct AxisField {
  int64_t size = 0;  // extent in input pixels (0: reads no input pixel)
  Fraction jump;
};

struct ReceptiveField {
  bool known = true;    // false downstream of a type without a rule
  bool global = false;  // depends on the whole input
  AxisField h, w;
  std::string str() const;       // "67", "67x35", "global", "?"
  std::string jump_str() const;  // "1", "8", "1/2", "2x1", "?"
};

// Output positions examined per tensor for the maximum extent.
constexpr int64_t kReceptiveFieldWindow = 128;

// Receptive fields of every layer of a resolved spec (model/resolved.hpp), keyed
// by layer name. A position, extent or jump that overflows int64 (strides or
// dilations far beyond any image) is a usage error naming the layer. `shapes` holds per-sample shapes of "input" and of every layer
// (Graph::shape), used for resize ratios.
std::map<std::string, ReceptiveField> receptive_fields(const nlohmann::json& spec,
                                                       const std::map<std::string, Shape>& shapes);

}  // namespace atrous
