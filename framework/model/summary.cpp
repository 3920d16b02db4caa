#include "model/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/checked_int.hpp"
#include "core/error.hpp"

namespace atrous {

using nlohmann::json;

std::string human_count(double n) {
  const double a = std::fabs(n);
  if (a < 1e3) return fmt::format("{}", static_cast<int64_t>(std::llround(n)));
  if (a < 1e6) return fmt::format("{:.2f}k", n / 1e3);
  if (a < 1e9) return fmt::format("{:.2f}M", n / 1e6);
  return fmt::format("{:.2f}G", n / 1e9);
}

int64_t receptive_field_samples(const ReceptiveField& rf) { return rf.w.size; }

double receptive_field_ms(const ReceptiveField& rf, double sample_rate) {
  return 1000.0 * static_cast<double>(rf.w.size) / sample_rate;
}

ModelSummary summarize(const ResolvedModel& model, const Graph& graph, double sample_rate) {
  check(sample_rate > 0 && std::isfinite(sample_rate), "summarize: the sample rate must be positive, got {}",
        sample_rate);
  const json& spec = model.spec;
  ModelSummary s;
  s.sample_rate = sample_rate;
  s.name = model.name();
  s.output = spec.at("output").get<std::string>();
  s.dense = spec.at("dense").get<bool>();
  const json& in = spec.at("input");
  s.input = {in.at("channels").get<int64_t>(), in.at("height").get<int64_t>(), in.at("width").get<int64_t>()};
  s.sequence = s.input.h == 1;

  std::map<std::string, Shape> shapes{{"input", graph.shape("input")}};
  for (const auto& l : spec.at("layers")) {
    const std::string n = l.at("name").get<std::string>();
    shapes[n] = graph.shape(n);
  }
  const auto rfs = receptive_fields(spec, shapes);
  std::map<std::string, double> flops;
  for (const auto& [name, f] : graph.layer_flops(s.input.h, s.input.w)) flops[name] = f;
  // From the parameters' dims: summarising allocates no parameter storage.
  std::map<std::string, int64_t> params;
  for (const auto& n : graph.nodes()) {
    CheckedInt count = 0;
    for (const Param* p : n.layer->params())
      if (p->trainable()) count += static_cast<int64_t>(p->size());
    if (!count.ok())
      throw Error(fmt::format("layer '{}' ({}) has more than 2^63 parameters", n.name, n.layer->type()),
                  Error::Kind::usage);
    params[n.name] = count.value();
  }
  CheckedInt total_params = 0;

  for (const auto& l : spec.at("layers")) {
    LayerSummary ls;
    ls.name = l.at("name").get<std::string>();
    ls.type = l.at("type").get<std::string>();
    ls.from = l.at("from").get<std::vector<std::string>>();
    ls.output = shapes.at(ls.name);
    ls.params = params.count(ls.name) ? params.at(ls.name) : 0;
    ls.flops = flops.count(ls.name) ? flops.at(ls.name) : 0;
    ls.rf = rfs.at(ls.name);
    total_params += ls.params;
    s.flops += ls.flops;
    s.layers.push_back(std::move(ls));
  }
  if (!total_params.ok()) throw Error("the model has more than 2^63 parameters", Error::Kind::usage);
  s.params = total_params.value();
  s.rf = rfs.at(s.output);
  return s;
}

std::string summary_table(const ModelSummary& s) {
  struct Row {
    std::string c[7];
  };
  std::vector<Row> rows;
  rows.push_back({{"name", "type", "output", "params", "FLOPs", "RF", "jump"}});
  // A sequence's field is 1 high: the column shows its length in samples.
  const auto rf_text = [&](const ReceptiveField& rf) {
    return s.sequence && rf.known && !rf.global ? std::to_string(receptive_field_samples(rf)) : rf.str();
  };
  const auto jump_text = [&](const ReceptiveField& rf) { return s.sequence && rf.known ? rf.w.jump.str() : rf.jump_str(); };
  for (const auto& l : s.layers)
    rows.push_back({{l.name, l.type, l.output.str(), std::to_string(l.params), human_count(l.flops), rf_text(l.rf),
                     jump_text(l.rf)}});
  size_t width[7] = {};
  for (const auto& r : rows)
    for (int i = 0; i < 7; ++i) width[i] = std::max(width[i], r.c[i].size());
  std::string out = fmt::format("model {}: input {}{}, output '{}'{}\n", s.name, s.input.str(),
                                s.sequence ? fmt::format(" (a sequence of {} samples)", s.input.w) : "", s.output,
                                s.dense ? " (dense)" : "");
  for (size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    // Text columns left-aligned, numbers right-aligned.
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>{}}  {:>{}}  {:>{}}  {:>{}}\n", r.c[0], width[0], r.c[1], width[1],
                       r.c[2], width[2], r.c[3], width[3], r.c[4], width[4], r.c[5], width[5], r.c[6], width[6]);
    if (k == 0) {
      size_t total = 12;
      for (size_t w : width) total += w;
      out += std::string(total, '-') + "\n";
    }
  }
  // "Per sample" is one input (a whole sequence), as for images.
  const std::string field = s.sequence && s.rf.known && !s.rf.global
                                ? fmt::format("{} samples = {:.1f} ms at {:g} Hz", receptive_field_samples(s.rf),
                                              receptive_field_ms(s.rf, s.sample_rate), s.sample_rate)
                                : s.rf.str();
  out += fmt::format("total: {} layers, {} parameters ({}), {} FLOPs per sample, receptive field {} (jump {})\n",
                     s.layers.size(), s.params, human_count(static_cast<double>(s.params)), human_count(s.flops),
                     field, jump_text(s.rf));
  return out;
}

namespace {
json rf_json(const ReceptiveField& rf) {
  json j = json::object();
  j["known"] = rf.known;
  j["global"] = rf.global;
  j["size"] = rf.known && !rf.global ? json::array({rf.h.size, rf.w.size}) : json(nullptr);
  j["jump"] = json::array({rf.h.jump.str(), rf.w.jump.str()});
  return j;
}
json shape_json(const Shape& s) { return json::array({s.c, s.h, s.w}); }
}  // namespace

json summary_json(const ModelSummary& s) {
  json layers = json::array();
  for (const auto& l : s.layers)
    layers.push_back({{"name", l.name},
                      {"type", l.type},
                      {"from", l.from},
                      {"output", shape_json(l.output)},
                      {"params", l.params},
                      {"flops", l.flops},
                      {"receptive_field", rf_json(l.rf)}});
  json totals = {{"params", s.params}, {"flops", s.flops}, {"receptive_field", rf_json(s.rf)}};
  if (s.sequence) {
    const bool finite = s.rf.known && !s.rf.global;
    totals["sample_rate"] = s.sample_rate;
    totals["receptive_field_samples"] = finite ? json(receptive_field_samples(s.rf)) : json(nullptr);
    totals["receptive_field_ms"] = finite ? json(receptive_field_ms(s.rf, s.sample_rate)) : json(nullptr);
  }
  json out = {{"name", s.name},   {"input", shape_json(s.input)}, {"output", s.output},
              {"dense", s.dense}, {"layers", layers},              {"totals", totals}};
  if (s.sequence) out["sequence"] = true;
  return out;
}

}  // namespace atrous
