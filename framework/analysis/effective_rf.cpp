#include "analysis/effective_rf.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/gridding.hpp"
#include "core/error.hpp"

namespace atrous {

using nlohmann::json;

json Window::to_json() const { return {{"top", top}, {"left", left}, {"height", height}, {"width", width}}; }

std::string sampling_name(ErfSampling s) { return s == ErfSampling::inputs ? "inputs" : "weights"; }

ErfSampling parse_sampling(const std::string& name) {
  if (name == "inputs") return ErfSampling::inputs;
  if (name == "weights") return ErfSampling::weights;
  throw Error(fmt::format("--sampling: expected 'inputs' or 'weights', got '{}'", name), Error::Kind::usage);
}

double ErfMap::total() const {
  double s = 0;
  for (double v : mass) s += v;
  return s;
}

double ErfMap::peak() const { return mass.empty() ? 0.0 : *std::max_element(mass.begin(), mass.end()); }

namespace {

// The theoretical window along one axis: [lo, lo + size) centred on `centre`.
int64_t centred_start(int64_t centre, int64_t size) { return centre - (size - 1) / 2; }

Window clip(Window w, int64_t height, int64_t width) {
  const int64_t bottom = std::min(w.top + w.height, height), right = std::min(w.left + w.width, width);
  w.top = std::max<int64_t>(w.top, 0);
  w.left = std::max<int64_t>(w.left, 0);
  w.height = std::max<int64_t>(bottom - w.top, 0);
  w.width = std::max<int64_t>(right - w.left, 0);
  return w;
}

Window place_theoretical(const ErfMap& m, int64_t out_h, int64_t out_w) {
  const ReceptiveField& rf = m.rf;
  if (!rf.known || rf.global) return {0, 0, m.height, m.width};
  // The bounding box of the non-zero mass: when it has exactly the theoretical size
  // (the usual case: theory is exact), it is the theoretical window, aligned
  // whatever the padding and stride of the model.
  int64_t r0 = m.height, r1 = -1, c0 = m.width, c1 = -1;
  for (int64_t y = 0; y < m.height; ++y)
    for (int64_t x = 0; x < m.width; ++x)
      if (m.at(y, x) != 0.0) {
        r0 = std::min(r0, y);
        r1 = std::max(r1, y);
        c0 = std::min(c0, x);
        c1 = std::max(c1, x);
      }
  if (r1 >= 0 && r1 - r0 + 1 == rf.h.size && c1 - c0 + 1 == rf.w.size) return {r0, c0, rf.h.size, rf.w.size};
  // Otherwise centre it where the output pixel's centre maps to on the input.
  const auto centre = [](int64_t o, int64_t out, int64_t in) {
    return static_cast<int64_t>(std::floor((static_cast<double>(o) + 0.5) * static_cast<double>(in) /
                                           static_cast<double>(out)));
  };
  const int64_t cy = centre(m.out_y, out_h, m.height), cx = centre(m.out_x, out_w, m.width);
  return clip({centred_start(cy, rf.h.size), centred_start(cx, rf.w.size), rf.h.size, rf.w.size}, m.height, m.width);
}

}  // namespace

ErfMap measure_erf(Graph& graph, const ReceptiveField& rf, const ErfOptions& o) {
  check(o.samples > 0, "effective receptive field: need at least one sample, got {}", o.samples);
  check(o.height > 0 && o.width > 0, "effective receptive field: bad input size {}x{}", o.height, o.width);
  const int64_t channels = graph.shape("input").c;
  const Dims in_dims{1, channels, o.height, o.width};
  ErfMap m;
  m.height = o.height;
  m.width = o.width;
  m.mass.assign(static_cast<size_t>(o.height * o.width), 0.0);
  m.rf = rf;
  m.samples = o.samples;
  m.sampling = o.sampling;

  Rng rng(o.seed);
  std::vector<float> x(static_cast<size_t>(product(in_dims)));
  Dims out_dims;
  Tensor grad_out;
  for (int64_t s = 0; s < o.samples; ++s) {
    if (o.sampling == ErfSampling::weights) graph.init(rng.next_u64());
    for (float& v : x) v = static_cast<float>(rng.normal());
    const Tensor input = Tensor::from_plain(in_dims, x);
    const Tensor& out = graph.forward(input, false);
    if (grad_out.empty()) {
      out_dims = out.dims();
      check(out_dims.size() == 4 && out_dims[2] > 0 && out_dims[3] > 0,
            "effective receptive field: the output {} is not an image", dims_str(out_dims));
      m.out_y = out_dims[2] / 2;
      m.out_x = out_dims[3] / 2;
      std::vector<float> g(static_cast<size_t>(product(out_dims)), 0.f);
      for (int64_t c = 0; c < out_dims[1]; ++c) g[static_cast<size_t>((c * out_dims[2] + m.out_y) * out_dims[3] + m.out_x)] = 1.f;
      grad_out = Tensor::from_plain(out_dims, g);
    }
    graph.backward(grad_out, true);
    const std::vector<float> gi = graph.gradient("input").to_vector();
    const size_t plane = static_cast<size_t>(o.height * o.width);
    for (int64_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < plane; ++i) m.mass[i] += std::fabs(static_cast<double>(gi[c * plane + i]));
  }
  for (double& v : m.mass) v /= static_cast<double>(o.samples);
  m.theoretical = place_theoretical(m, out_dims[2], out_dims[3]);
  return m;
}

int64_t mass_square_side(const ErfMap& m, double fraction) {
  const double total = m.total();
  if (total <= 0) return 0;
  const Window& t = m.theoretical;
  const int64_t cy = t.height > 0 ? t.top + (t.height - 1) / 2 : m.height / 2;
  const int64_t cx = t.width > 0 ? t.left + (t.width - 1) / 2 : m.width / 2;
  const int64_t largest = 2 * std::max(m.height, m.width) + 1;  // covers the input from any centre
  for (int64_t side = 1; side <= largest; ++side) {
    const Window sq = clip({centred_start(cy, side), centred_start(cx, side), side, side}, m.height, m.width);
    double inside = 0;
    for (int64_t y = sq.top; y < sq.top + sq.height; ++y)
      for (int64_t x = sq.left; x < sq.left + sq.width; ++x) inside += m.at(y, x);
    if (inside >= fraction * total) return side;
  }
  return largest;
}

int64_t area_above_peak_fraction(const ErfMap& m, double fraction) {
  const double threshold = fraction * m.peak();
  if (m.peak() <= 0) return 0;
  return std::count_if(m.mass.begin(), m.mass.end(), [&](double v) { return v > threshold; });
}

ErfSummary summarize_erf(const ErfMap& m, const std::string& weights) {
  ErfSummary s;
  s.weights = weights;
  s.rf = m.rf.str();
  s.side95 = mass_square_side(m, 0.95);
  s.area10 = area_above_peak_fraction(m, 0.10);
  const GriddingScore g = gridding_score(m);
  s.gridding = g.score();
  s.holes = g.holes;
  s.window_pixels = g.pixels;
  s.peak = m.peak();
  s.total = m.total();
  s.theoretical = m.theoretical;
  s.samples = m.samples;
  s.sampling = sampling_name(m.sampling);
  return s;
}

json ErfSummary::to_json() const {
  json j{{"weights", weights},
         {"theoretical_rf", rf},
         {"theoretical_window", theoretical.to_json()},
         {"erf_side_95", side95},
         {"erf_area_10", area10},
         {"gridding", gridding},
         {"holes", holes},
         {"window_pixels", window_pixels},
         {"peak", peak},
         {"total_mass", total},
         {"samples", samples},
         {"sampling", sampling}};
  if (!heatmap.empty()) j["heatmap"] = heatmap;
  return j;
}

std::pair<int64_t, int64_t> default_erf_input(const ReceptiveField& rf, int64_t declared_h, int64_t declared_w,
                                              int64_t multiple) {
  if (!rf.known || rf.global) return {declared_h, declared_w};
  const auto need = [&](int64_t size) {
    const int64_t margin = std::max<int64_t>(4, size / 4);
    return size + 2 * margin;
  };
  const auto fit = [&](int64_t declared, int64_t size) {
    const int64_t n = need(size);
    if (declared >= n) return declared;
    const int64_t m = std::max<int64_t>(multiple, 1);
    return (n + m - 1) / m * m;
  };
  // A sequence (declared height 1, a field one sample high) stays one row high:
  // its 1-D layers read only that row.
  const int64_t h = declared_h == 1 && rf.h.size == 1 ? 1 : fit(declared_h, rf.h.size);
  return {h, fit(declared_w, rf.w.size)};
}

}  // namespace atrous
