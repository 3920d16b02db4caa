#include "analysis/rf_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "analysis/heatmap.hpp"
#include "model/build.hpp"
#include "model/summary.hpp"
#include "train/checkpoint.hpp"

namespace atrous {

using nlohmann::json;

namespace {

struct Built {
  ResolvedModel model;
  Graph graph;
  ModelSummary summary;
};

Built build(const ModelLoader& load, const std::optional<Shape>& input) {
  ResolvedModel m = load(input);
  Graph g = build_graph(m);
  ModelSummary s = summarize(m, g);
  return {std::move(m), std::move(g), std::move(s)};
}

// Values and gradients of the input and of every layer output, as f32.
double activation_bytes(const ModelSummary& s) {
  const auto elements = [](const Shape& x) {
    return static_cast<double>(x.c) * static_cast<double>(x.h) * static_cast<double>(x.w);
  };
  double total = elements(s.input);
  for (const auto& l : s.layers) total += elements(l.output);
  return total * sizeof(float) * 2;
}

void check_activation_memory(const ModelSummary& s, bool input_given) {
  const double bytes = activation_bytes(s);
  if (bytes <= kMaxErfActivationBytes) return;
  const std::string why =
      input_given ? std::string("the --input size")
                  : fmt::format("the default input, sized to hold the theoretical field {} with a margin", s.rf.str());
  throw Error(fmt::format("{}: measuring the effective receptive field at {}x{} ({}) needs {:.1f} GiB for the "
                          "activations and their gradients, more than the {:.0f} GiB allowed; give a smaller --input "
                          "(or smaller dilations)",
                          s.name, s.input.h, s.input.w, why, bytes / (1 << 30), kMaxErfActivationBytes / (1 << 30)),
              Error::Kind::usage);
}

}  // namespace

RfReport analyse_receptive_fields(const ModelLoader& load, const RfRequest& req) {
  Built b = build(load, req.input);
  bool capped = false;
  if (!req.input) {
    // Measure at a size that holds the whole theoretical field with a margin, and
    // recompute the theoretical fields there (a resize's field depends on the size).
    // A global field (image pooling) would keep the declared size; hold the largest
    // finite field then, so that the dilated branches beside the pooling fit.
    ReceptiveField target = b.summary.rf;
    if (target.global) {
      target = ReceptiveField{};
      for (const auto& l : b.summary.layers)
        if (l.rf.known && !l.rf.global) {
          target.h.size = std::max(target.h.size, l.rf.h.size);
          target.w.size = std::max(target.w.size, l.rf.w.size);
        }
    }
    auto [h, w] = default_erf_input(target, b.summary.input.h, b.summary.input.w, req.size_multiple);
    if (req.max_side) {
      const int64_t cap = std::max(req.size_multiple, *req.max_side / req.size_multiple * req.size_multiple);
      capped = h > cap || w > cap;
      h = std::min(h, cap);
      w = std::min(w, cap);
    }
    if (h != b.summary.input.h || w != b.summary.input.w) b = build(load, Shape{b.summary.input.c, h, w});
  }
  check_activation_memory(b.summary, req.input.has_value());
  RfReport r;
  r.capped = capped;
  r.model = b.summary.name;
  r.input = b.summary.input;
  r.rf = b.summary.rf;
  for (const auto& l : b.summary.layers) r.layers.push_back({l.name, l.type, l.rf.str(), l.rf.jump_str()});

  ErfOptions o{.height = r.input.h, .width = r.input.w, .samples = req.samples, .seed = req.seed};
  if (!req.out_dir.empty()) std::filesystem::create_directories(req.out_dir);
  const auto run = [&](const std::string& weights, ErfSampling sampling) {
    o.sampling = sampling;
    const ErfMap map = measure_erf(b.graph, r.rf, o);
    ErfSummary s = summarize_erf(map, weights);
    if (!req.out_dir.empty()) {
      s.heatmap = (std::filesystem::path(req.out_dir) / fmt::format("{}_{}.png", r.model, weights)).string();
      write_erf_heatmap(s.heatmap, map);
    }
    r.results.push_back(std::move(s));
  };

  const ErfSampling random_sampling = req.sampling.value_or(ErfSampling::weights);
  b.graph.init(req.seed);
  run("random", random_sampling);
  if (!req.checkpoint.empty()) {
    // Trained weights are what they are: only the inputs vary.
    load_parameters(b.graph, load_checkpoint(req.checkpoint));
    run("trained", ErfSampling::inputs);
  }
  return r;
}

json RfReport::to_json() const {
  json layers_j = json::array();
  for (const auto& l : layers) layers_j.push_back({{"name", l.name}, {"type", l.type}, {"rf", l.rf}, {"jump", l.jump}});
  json results_j = json::array();
  for (const auto& s : results) results_j.push_back(s.to_json());
  return {{"model", model},
          {"input", {input.c, input.h, input.w}},
          {"theoretical_rf", rf.str()},
          {"jump", rf.jump_str()},
          {"layers", layers_j},
          {"results", results_j}};
}

std::string rf_table(const std::vector<RfReport>& reports) {
  size_t name_w = 5;
  for (const auto& r : reports) name_w = std::max(name_w, r.model.size());
  std::string out = fmt::format("{:<{}}  {:<7}  {:>9}  {:>14}  {:>12}  {:>14}  {:>8}\n", "model", name_w, "weights",
                                "input", "theoretical RF", "ERF 95% side", "area >10% peak", "gridding");
  for (const auto& r : reports)
    for (const auto& s : r.results)
      out += fmt::format("{:<{}}  {:<7}  {:>9}  {:>14}  {:>12}  {:>14}  {:>8.3f}\n", r.model, name_w, s.weights,
                         fmt::format("{}x{}", r.input.h, r.input.w), s.rf, s.side95, s.area10, s.gridding);
  for (const auto& r : reports) {
    // The fields as they grow: layers that leave the field unchanged (ReLU, batch
    // norm, 1x1) are left out; `atrous model show` lists every layer.
    out += fmt::format("{} theoretical RF per layer:", r.model);
    std::string last;
    for (const auto& l : r.layers) {
      if (l.rf == last) continue;
      out += fmt::format(" {} {}", l.name, l.rf);
      last = l.rf;
    }
    out += "\n";
  }
  return out;
}

}  // namespace atrous
