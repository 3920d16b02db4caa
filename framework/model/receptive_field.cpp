#include "model/receptive_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "core/checked_int.hpp"
#include "core/error.hpp"
#include "model/geometry.hpp"

namespace atrous {

using nlohmann::json;

namespace {
// Thrown by the solver; receptive_fields() names the layer.
struct Overflow {};
struct TooExpensive {};

int64_t value_of(CheckedInt v) {
  if (!v.ok()) throw Overflow{};
  return v.value();
}
}  // namespace

Fraction Fraction::of(int64_t num, int64_t den) {
  check(den != 0, "fraction with a zero denominator");
  if (num == INT64_MIN || den == INT64_MIN) throw Overflow{};
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const int64_t g = std::gcd(num < 0 ? -num : num, den);
  return g > 1 ? Fraction{num / g, den / g} : Fraction{num, den};
}

Fraction Fraction::operator*(const Fraction& o) const {
  // Reduce across first so that a product that fits is never rejected.
  const Fraction a = of(num, o.den), b = of(o.num, den);
  return of(value_of(CheckedInt(a.num) * b.num), value_of(CheckedInt(a.den) * b.den));
}

std::string Fraction::str() const { return den == 1 ? std::to_string(num) : fmt::format("{}/{}", num, den); }

std::string ReceptiveField::str() const {
  if (!known) return "?";
  if (global) return "global";
  return h.size == w.size ? std::to_string(h.size) : fmt::format("{}x{}", h.size, w.size);
}

std::string ReceptiveField::jump_str() const {
  if (!known) return "?";
  return h.jump == w.jump ? h.jump.str() : fmt::format("{}x{}", h.jump.str(), w.jump.str());
}

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct Interval {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  bool global = false, unknown = false;
  bool empty() const { return lo > hi && !global; }
  void unite(const Interval& o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
    global = global || o.global;
    unknown = unknown || o.unknown;
  }
};

// One axis of the whole graph.
class AxisSolver {
 public:
  struct Node {
    LayerGeometry geo;
    AxisGeometry ax;
    std::vector<int> inputs;    // tensor indices (0 is the model input)
    int64_t in = 0, out = 0;    // sizes along this axis (first input, output)
  };
  explicit AxisSolver(std::vector<Node> nodes) : nodes_(std::move(nodes)), memo_(nodes_.size()) {
    // Without a transposed layer upstream, every position of a tensor reads some
    // input and its interval's ends never decrease with the position (each rule
    // maps positions monotonically); see the window rule.
    gapless_.assign(nodes_.size(), true);
    for (size_t t = 1; t < nodes_.size(); ++t) {
      bool g = nodes_[t].geo.rule != SpatialRule::transposed;
      for (int in : nodes_[t].inputs) g = g && gapless_[in];
      gapless_[t] = g;
    }
  }

  Interval at(int t, int64_t o) {
    if (t == 0) return Interval{o, o};
    auto it = memo_[t].find(o);
    if (it != memo_[t].end()) return it->second;
    const Node& n = nodes_[t];
    Interval r;
    const AxisGeometry& a = n.ax;
    switch (n.geo.rule) {
      case SpatialRule::window: {
        const int64_t first = value_of(CheckedInt(o) * a.stride - a.padding);
        const int64_t last = value_of(CheckedInt(first) + CheckedInt(a.kernel - 1) * a.dilation);
        if (gapless_[n.inputs[0]]) {
          // Monotone, never-empty intervals: the outer taps bound the union exactly,
          // in O(1) whatever the kernel (a 10^9-tap kernel must not take hours).
          r.unite(at(n.inputs[0], first));
          r.unite(at(n.inputs[0], last));
          break;
        }
        spend(a.kernel);
        for (int64_t k = 0; k < a.kernel; ++k)
          r.unite(at(n.inputs[0], value_of(CheckedInt(first) + CheckedInt(k) * a.dilation)));
        break;
      }
      case SpatialRule::transposed:
        spend(a.kernel);
        for (int64_t k = 0; k < a.kernel; ++k) {
          const int64_t num = value_of(CheckedInt(o) + a.padding - CheckedInt(k) * a.dilation);
          if (num % a.stride == 0) r.unite(at(n.inputs[0], num / a.stride));
        }
        break;
      case SpatialRule::resize: {
        if (n.geo.nearest) {
          r.unite(at(n.inputs[0], floor_div(value_of(CheckedInt(o) * n.in), n.out)));
        } else if (n.geo.align_corners) {
          if (n.out <= 1) {
            r.unite(at(n.inputs[0], 0));
          } else {
            const int64_t num = value_of(CheckedInt(o) * (n.in - 1));
            const int64_t i0 = floor_div(num, n.out - 1);
            r.unite(at(n.inputs[0], i0));
            if (num % (n.out - 1) != 0) r.unite(at(n.inputs[0], value_of(CheckedInt(i0) + 1)));
          }
        } else {
          // x = ((2o + 1) * in - out) / (2 * out)
          const int64_t num = value_of((CheckedInt(2) * o + 1) * n.in - n.out);
          const int64_t den = value_of(CheckedInt(2) * n.out);
          const int64_t i0 = floor_div(num, den);
          r.unite(at(n.inputs[0], i0));
          if (num - i0 * den != 0) r.unite(at(n.inputs[0], value_of(CheckedInt(i0) + 1)));
        }
        break;
      }
      case SpatialRule::global:
        r.global = true;
        r.unite(at(n.inputs[0], o));  // keeps the unknown flag of what came before
        break;
      case SpatialRule::pointwise:
        r = at(n.inputs[0], o);
        break;
      case SpatialRule::merge:
        for (int in : n.inputs) r.unite(at(in, o));
        break;
      case SpatialRule::unknown:
        r = at(n.inputs[0], o);
        r.unknown = true;
        break;
    }
    memo_[t][o] = r;
    return r;
  }

  // Largest extent over a window of output positions.
  Interval widest(int t, int64_t& size) {
    size = 0;
    Interval flags;
    for (int64_t o = 0; o < kReceptiveFieldWindow; ++o) {
      const Interval r = at(t, o);
      flags.global = flags.global || r.global;
      flags.unknown = flags.unknown || r.unknown;
      if (!r.empty() && !r.global) size = std::max(size, value_of(CheckedInt(r.hi) - r.lo + 1));
    }
    return flags;
  }

  Fraction jump(int t) {
    if (t == 0) return {};
    if (jumps_.count(t)) return jumps_[t];
    const Node& n = nodes_[t];
    const Fraction j = jump(n.inputs.empty() ? 0 : n.inputs[0]);
    Fraction r = j;
    switch (n.geo.rule) {
      case SpatialRule::window: r = j * Fraction::of(n.ax.stride, 1); break;
      case SpatialRule::transposed: r = j * Fraction::of(1, n.ax.stride); break;
      case SpatialRule::resize:
        r = n.geo.align_corners && n.out > 1 ? j * Fraction::of(n.in - 1, n.out - 1)
                                             : j * Fraction::of(n.in, n.out);
        break;
      case SpatialRule::global: r = j * Fraction::of(std::max<int64_t>(n.in, 1), 1); break;
      default: break;
    }
    return jumps_[t] = r;
  }

 private:
  // Kernel taps visited one by one are bounded: past the budget the model is
  // refused (only huge kernels after a transposed conv get there).
  void spend(int64_t taps) {
    taps_ += taps;
    if (taps_ > kTapBudget) throw TooExpensive{};
  }
  static constexpr int64_t kTapBudget = 20'000'000;

  std::vector<Node> nodes_;
  std::vector<bool> gapless_;
  int64_t taps_ = 0;
  std::vector<std::unordered_map<int64_t, Interval>> memo_;
  std::map<int, Fraction> jumps_;
};

}  // namespace

std::map<std::string, ReceptiveField> receptive_fields(const json& spec, const std::map<std::string, Shape>& shapes) {
  const json& layers = spec.at("layers");
  std::map<std::string, int> index{{"input", 0}};
  std::vector<AxisSolver::Node> hs(1), ws(1);
  auto shape_of = [&](const std::string& name) {
    auto it = shapes.find(name);
    check(it != shapes.end(), "receptive fields: no shape for tensor '{}'", name);
    return it->second;
  };
  for (const auto& l : layers) {
    const std::string name = l.at("name").get<std::string>();
    AxisSolver::Node h, w;
    h.geo = w.geo = layer_geometry(l);
    h.ax = h.geo.h;
    w.ax = w.geo.w;
    const auto from = l.at("from").get<std::vector<std::string>>();
    for (size_t i = 0; i < from.size() && i < h.geo.data_inputs; ++i) {
      const int id = index.at(from[i]);
      h.inputs.push_back(id);
      w.inputs.push_back(id);
    }
    check(!h.inputs.empty(), "receptive fields: layer '{}' has no input", name);
    const Shape in = shape_of(from[0]), out = shape_of(name);
    h.in = in.h;
    h.out = out.h;
    w.in = in.w;
    w.out = out.w;
    index[name] = static_cast<int>(hs.size());
    hs.push_back(std::move(h));
    ws.push_back(std::move(w));
  }
  AxisSolver sh(std::move(hs)), sw(std::move(ws));
  std::map<std::string, ReceptiveField> out;
  for (const auto& l : layers) {
    const std::string name = l.at("name").get<std::string>();
    const int t = index.at(name);
    ReceptiveField rf;
    try {
      const Interval fh = sh.widest(t, rf.h.size);
      const Interval fw = sw.widest(t, rf.w.size);
      rf.global = fh.global || fw.global;
      rf.known = !fh.unknown && !fw.unknown;
      rf.h.jump = sh.jump(t);
      rf.w.jump = sw.jump(t);
    } catch (const Overflow&) {
      // Layers are solved in order, so the earlier ones fitted: this one overflows.
      throw Error(fmt::format("layer '{}' ({}): its receptive field or jump overflows 64-bit integers (strides, "
                              "dilations or kernels too large)",
                              name, l.at("type").get<std::string>()),
                  Error::Kind::usage);
    } catch (const TooExpensive&) {
      throw Error(fmt::format("layer '{}' ({}): its receptive field takes too long to compute (kernels of "
                              "millions of taps after a transposed conv)",
                              name, l.at("type").get<std::string>()),
                  Error::Kind::usage);
    }
    out[name] = rf;
  }
  return out;
}

}  // namespace atrous
