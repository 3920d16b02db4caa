#include "model/geometry.hpp"

#include <utility>

#include "core/checked_int.hpp"
#include "nn/conv1d.hpp"

namespace atrous {

using nlohmann::json;

namespace {

// An int or an [h, w] pair; `fallback` when absent (or malformed: the layer itself rejects that).
std::pair<int64_t, int64_t> pair_of(const json& l, const char* key, std::pair<int64_t, int64_t> fallback) {
  if (!l.contains(key)) return fallback;
  const json& v = l[key];
  if (v.is_number_integer()) return {v.get<int64_t>(), v.get<int64_t>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
    return {v[0].get<int64_t>(), v[1].get<int64_t>()};
  return fallback;
}

void set_axes(LayerGeometry& g, std::pair<int64_t, int64_t> k, std::pair<int64_t, int64_t> s,
              std::pair<int64_t, int64_t> p, std::pair<int64_t, int64_t> d) {
  g.h = {k.first, s.first, p.first, d.first};
  g.w = {k.second, s.second, p.second, d.second};
}

}  // namespace

LayerGeometry layer_geometry(const json& l) {
  LayerGeometry g;
  const std::string type = l.value("type", "");
  if (type == "conv") {
    g.rule = SpatialRule::window;
    const auto k = pair_of(l, "kernel", {3, 3});
    const auto d = pair_of(l, "dilation", {1, 1});
    // Default padding is "same" for odd kernels: d(k-1)/2 (nn/conv2d.cpp, which
    // rejects the sizes whose product overflows: 0 is never used then).
    const auto same = [](int64_t dilation, int64_t kernel) {
      const CheckedInt p = CheckedInt(dilation) * (CheckedInt(kernel) - 1) / 2;
      return p.ok() ? p.value() : 0;
    };
    const auto p = pair_of(l, "padding", {same(d.first, k.first), same(d.second, k.second)});
    set_axes(g, k, pair_of(l, "stride", {1, 1}), p, d);
  } else if (type == "conv1d") {
    // A 1 x k window along the width (time); the padding that shifts it is the
    // layer's own left padding (causal: all of (k-1)d), from nn/conv1d.
    g.rule = SpatialRule::window;
    const int64_t k = l.contains("kernel") && l["kernel"].is_number_integer() ? l["kernel"].get<int64_t>() : 1;
    const int64_t d = l.contains("dilation") && l["dilation"].is_number_integer() ? l["dilation"].get<int64_t>()
                                                                                   : kConv1dDefaultDilation;
    const bool causal = l.contains("causal") && l["causal"].is_boolean() ? l["causal"].get<bool>()
                                                                          : kConv1dDefaultCausal;
    // The layer rejects sizes whose span (k-1)d overflows: 0 is never used then.
    const int64_t left = ((CheckedInt(k) - 1) * d).ok() ? conv1d_left_padding(k, d, causal) : 0;
    set_axes(g, {1, k}, {1, 1}, {0, left}, {1, d});
  } else if (type == "maxpool" || type == "avgpool") {
    g.rule = SpatialRule::window;
    const auto k = pair_of(l, "kernel", {2, 2});
    set_axes(g, k, pair_of(l, "stride", k), pair_of(l, "padding", {0, 0}), {1, 1});
  } else if (type == "deconv") {
    g.rule = SpatialRule::transposed;
    set_axes(g, pair_of(l, "kernel", {1, 1}), pair_of(l, "stride", {1, 1}), pair_of(l, "padding", {0, 0}),
             pair_of(l, "dilation", {1, 1}));
  } else if (type == "resize") {
    g.rule = SpatialRule::resize;
    g.nearest = l.value("mode", "bilinear") == "nearest";
    g.align_corners = l.contains("align_corners") && l["align_corners"].is_boolean() && l["align_corners"].get<bool>();
  } else if (type == "global_avgpool") {
    g.rule = SpatialRule::global;
  } else if (type == "batchnorm" || type == "relu" || type == "leaky_relu" || type == "dropout" ||
             type == "identity" || type == "gate") {
    g.rule = SpatialRule::pointwise;
  } else if (type == "concat" || type == "add") {
    g.rule = SpatialRule::merge;
    g.data_inputs = l.contains("from") ? l["from"].size() : 1;
  }
  return g;
}

}  // namespace atrous
