#include "report/report_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "core/config.hpp"
#include "core/error.hpp"
#include "model/build.hpp"
#include "model/summary.hpp"
#include "sweep/worker.hpp"

namespace atrous::report {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// "/model/layers/6/dilation" -> "model.layers[6].dilation" (numeric segments under arrays).
std::string dotted(const std::string& pointer, const json& doc) {
  std::string out;
  const json* node = &doc;
  std::size_t pos = 1;
  while (pos <= pointer.size() && !pointer.empty()) {
    const std::size_t next = pointer.find('/', pos);
    std::string seg = pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    seg = unescape_pointer_token(seg);
    if (node && node->is_array()) {
      out += "[" + seg + "]";
      const std::size_t idx = std::strtoul(seg.c_str(), nullptr, 10);
      node = idx < node->size() ? &(*node)[idx] : nullptr;
    } else {
      out += (out.empty() ? "" : ".") + seg;
      node = node && node->is_object() && node->contains(seg) ? &(*node)[seg] : nullptr;
    }
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return out;
}

std::string value_at(const json& doc, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return doc.contains(p) ? doc.at(p).dump() : "";
}

std::string param_text(const Cell& c) {
  if (std::holds_alternative<std::string>(c)) return std::get<std::string>(c);
  if (std::holds_alternative<int64_t>(c)) return std::to_string(std::get<int64_t>(c));
  if (std::holds_alternative<double>(c)) return json(std::get<double>(c)).dump();
  return "";
}

// Optional columns: a config whose model does not resolve or build (an older
// schema, a hand-written test fixture) just has none.
void add_model_summary(Group& g) {
  if (g.runs.empty()) return;
  try {
    const json config = json::parse(g.runs.front().record.config_json);
    if (!config.contains("model")) return;
    const ResolvedModel model = resolved_from_json(config["model"], "run " + g.runs.front().record.id);
    const ModelSummary s = atrous::summarize(model, build_graph(model));
    g.gflops = s.flops / 1e9;
    g.receptive_field = s.rf.str();
    g.sequence = s.sequence;
    if (s.sequence) {
      g.receptive_field = fmt::format("{} samples", receptive_field_samples(s.rf));
      const double rate = config.contains("data") ? config["data"].value("sample_rate", 0.0) : 0.0;
      if (rate > 0) g.receptive_field += fmt::format(" ({:.1f} ms)", receptive_field_ms(s.rf, rate));
    }
  } catch (const std::exception&) {
  }
}

// A sequence run's training speed in samples per second: its crops per second
// (train_img_per_s, measured by the trainer) times the crop length of its data.
void add_samples_per_second(Group& g) {
  for (auto& r : g.runs) {
    const auto it = r.summaries.find("train_img_per_s");
    if (it == r.summaries.end()) continue;
    try {
      const json config = json::parse(r.record.config_json);
      const double crop = config.at("data").value("crop", 0.0);
      if (crop > 0) r.summaries["train_samples_per_s"] = it->second * crop;
    } catch (const std::exception&) {
    }
  }
}

}  // namespace

std::string grid_point_label(const std::map<std::string, std::string>& point) {
  std::string out;
  for (const auto& [k, v] : point) {
    const auto dot = k.rfind('.');
    out += (out.empty() ? "" : " ") + (dot == std::string::npos ? k : k.substr(dot + 1)) + "=" + v;
  }
  return out;
}

std::string Group::grid_label() const { return grid_point_label(grid); }

std::string Group::label() const { return grid.empty() ? variant : variant + " " + grid_label(); }

std::vector<double> Group::values(const std::string& key) const {
  std::vector<double> out;
  for (const auto& r : runs) {
    if (r.record.status != store::RunStatus::done) continue;
    const auto it = r.summaries.find(key);
    if (it != r.summaries.end() && std::isfinite(it->second)) out.push_back(it->second);
  }
  return out;
}

std::vector<EpochPoint> Group::curve(const std::string& key) const {
  std::map<int64_t, std::vector<double>> by_epoch;
  std::size_t logged = 0;
  for (const auto& r : runs) {
    if (r.record.status != store::RunStatus::done) continue;
    const auto it = r.curves.find(key);
    if (it == r.curves.end() || it->second.empty()) continue;
    ++logged;
    for (const auto& p : it->second)
      if (std::isfinite(p.value)) by_epoch[p.epoch].push_back(p.value);
  }
  std::vector<EpochPoint> out;
  for (const auto& [epoch, values] : by_epoch) {
    if (values.size() != logged) continue;
    double sum = 0;
    for (double v : values) sum += v;
    out.push_back({epoch, sum / static_cast<double>(values.size()), *std::min_element(values.begin(), values.end()),
                   *std::max_element(values.begin(), values.end())});
  }
  return out;
}

std::size_t Group::count(store::RunStatus status) const {
  return static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [&](const RunData& r) { return r.record.status == status; }));
}

bool ReportData::sequence() const {
  return std::any_of(groups.begin(), groups.end(), [](const Group& g) { return g.sequence; });
}

const Group* ReportData::baseline_of(const Group& g) const {
  for (const auto& b : groups)
    if (b.is_baseline && b.grid == g.grid) return &b;
  return nullptr;
}

std::vector<std::map<std::string, std::string>> ReportData::grid_points() const {
  std::vector<std::map<std::string, std::string>> out;
  for (const auto& g : groups)
    if (std::find(out.begin(), out.end(), g.grid) == out.end()) out.push_back(g.grid);
  if (out.empty()) out.emplace_back();
  return out;
}

ReportData ReportData::at_grid_point(const std::map<std::string, std::string>& point) const {
  ReportData sub = *this;
  sub.groups.clear();
  for (const auto& g : groups)
    if (g.grid == point) {
      sub.groups.push_back(g);
      sub.groups.back().grid.clear();  // within one point, a variant's name is its label
    }
  return sub;
}

std::vector<ConfigChange> config_diff(const json& baseline, const json& config) {
  std::vector<ConfigChange> out;
  std::map<std::string, std::size_t> appended;  // array pointer -> elements appended so far
  for (const auto& op : json::diff(baseline, config)) {
    std::string path = op.at("path").get<std::string>();
    // json::diff appends to a longer array at "<array>/-": name the element's index.
    if (path.size() >= 2 && path.compare(path.size() - 2, 2, "/-") == 0) {
      const std::string array = path.substr(0, path.size() - 2);
      const json::json_pointer p(array);
      const std::size_t base_size = baseline.contains(p) && baseline.at(p).is_array() ? baseline.at(p).size() : 0;
      path = array + "/" + std::to_string(base_size + appended[array]++);
    }
    if (path == "/train/seed") continue;
    const json& doc = op.at("op") == "add" ? config : baseline;
    out.push_back({dotted(path, doc), value_at(baseline, path), value_at(config, path)});
  }
  return out;
}

ReportData load_report_data(store::Store& s, const std::string& experiment, const std::string& db_path) {
  ReportData d;
  d.experiment = experiment;
  d.db_path = db_path;
  {
    const auto e = s.find_experiment(experiment);
    if (!e) throw Error(fmt::format("no experiment '{}' in the database", experiment), Error::Kind::usage);
    d.description = e->description;
    d.spec = json::parse(e->spec_json, nullptr, false);
    if (!d.spec.is_object()) d.spec = json::object();
  }
  // Groups come in run creation order, which is the plan's (variant, grid point,
  // seed) order; spec_json's objects are sorted by key and lost the file's order.
  std::vector<std::string> grid_keys;
  if (d.spec.contains("grid") && d.spec["grid"].is_object())
    for (const auto& [k, _] : d.spec["grid"].items()) grid_keys.push_back(k);
  if (d.spec.contains("report") && d.spec["report"].is_object()) {
    const auto& r = d.spec["report"];
    if (r.contains("metric") && r["metric"].is_string()) d.metric = r["metric"].get<std::string>();
    if (r.contains("baseline") && r["baseline"].is_string()) d.baseline = r["baseline"].get<std::string>();
    if (r.contains("claims") && r["claims"].is_array())
      for (const auto& c : r["claims"])
        if (c.is_string()) d.claims.push_back(c.get<std::string>());
  }

  for (auto& run : s.runs(experiment)) {
    std::map<std::string, std::string> grid;
    const json point = json::parse(run.grid_json, nullptr, false);
    if (point.is_object() && !point.empty()) {
      // The sweep recorded the grid point (schema 2): named axes have no param.
      for (const auto& [k, v] : point.items()) grid[k] = v.is_string() ? v.get<std::string>() : v.dump();
    } else if (!grid_keys.empty()) {
      const auto params = s.params(run.id);
      for (const auto& k : grid_keys)
        for (const auto& [pk, pv] : params)
          if (pk == k) grid[k] = param_text(pv);
    }
    auto it = std::find_if(d.groups.begin(), d.groups.end(),
                           [&](const Group& g) { return g.variant == run.variant && g.grid == grid; });
    if (it == d.groups.end()) {
      Group g;
      g.variant = run.variant;
      g.grid = grid;
      d.groups.push_back(std::move(g));
      it = d.groups.end() - 1;
    }
    RunData rd{run, s.summaries(run.id), {}, ""};
    for (const std::string& key : {d.metric, std::string("train.loss")}) rd.curves[key] = s.metrics(run.id, key);
    for (const auto& a : s.artifacts(run.id))
      if (a.kind == "checkpoint") {
        rd.checkpoint = a.path;
        const fs::path beside_db = fs::path(run_dir(db_path, run.id)) / fs::path(a.path).filename();
        if (!db_path.empty() && !fs::exists(a.path) && fs::exists(beside_db)) rd.checkpoint = beside_db.string();
      }
    it->runs.push_back(std::move(rd));
  }
  for (auto& g : d.groups) {
    add_model_summary(g);
    if (g.sequence) add_samples_per_second(g);
  }
  if (d.baseline.empty() && !d.groups.empty()) d.baseline = d.groups.front().variant;
  for (auto& g : d.groups) {
    g.is_baseline = g.variant == d.baseline;
    if (d.spec.contains("variants") && d.spec["variants"].is_object() && d.spec["variants"].contains(g.variant) &&
        d.spec["variants"][g.variant].is_object())
      g.spec = d.spec["variants"][g.variant];
  }
  for (auto& g : d.groups) {
    const Group* b = d.baseline_of(g);
    if (!b || b == &g || g.runs.empty() || b->runs.empty()) continue;
    g.diff = config_diff(json::parse(b->runs.front().record.config_json, nullptr, false),
                         json::parse(g.runs.front().record.config_json, nullptr, false));
  }
  return d;
}

}  // namespace atrous::report
