#pragma once
// Per-type spatial semantics of the engine's layers, read from a resolved
// layer's attributes with the same defaults the layers use: which input pixels an
// output pixel reads. The receptive-field analysis is built on this table; the
// layers themselves stay free of analysis code.
#include <nlohmann/json.hpp>
#include <string>

namespace atrous {

enum class SpatialRule {
  window,      // conv, conv1d, maxpool, avgpool: out o reads in[o*s - p + t*d], t = 0..k-1
  transposed,  // deconv: out o reads in[i] where i*s = o + p - t*d, t = 0..k-1
  resize,      // resize: out o reads the source pixels its interpolation weighs (non-zero weights)
  global,      // global_avgpool: every output reads the whole input
  pointwise,   // batchnorm, relu, leaky_relu, dropout, identity, gate: out o reads in[o]
  merge,       // concat, add: out o reads in_k[o] of every input
  unknown,     // a type this table does not know
};

struct AxisGeometry {
  int64_t kernel = 1, stride = 1, padding = 0, dilation = 1;
};

struct LayerGeometry {
  SpatialRule rule = SpatialRule::unknown;
  AxisGeometry h, w;
  bool nearest = false;        // resize: nearest neighbour (else bilinear)
  bool align_corners = false;  // resize
  // Inputs that carry data; resize's optional second input only gives a size.
  size_t data_inputs = 1;
};

// `layer` is one entry of a resolved spec's "layers".
LayerGeometry layer_geometry(const nlohmann::json& layer);

}  // namespace atrous
