#include "sweep/status_table.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "core/error.hpp"
#include "eval/metric_catalogue.hpp"
#include "sweep/run_needs.hpp"
#include "sweep/sweep_runner.hpp"
#include "train/run_config.hpp"
#include "train/trainer.hpp"

namespace atrous {

namespace {

struct RunProgress {
  int64_t done = 0, total = 0;  // epochs; total 0 when unknown
  double eta = NAN;             // seconds
};

RunProgress progress_of(store::Store& s, const store::RunRecord& run) {
  RunProgress p;
  const auto losses = s.metrics(run.id, "train.loss");
  for (const auto& m : losses) p.done = std::max(p.done, m.epoch);
  if (run.status == store::RunStatus::done) {
    p.total = p.done;
  } else {
    try {
      p.total = run_length(run_from_json(nlohmann::json::parse(run.config_json), "run " + run.id)).epochs;
    } catch (const std::exception&) {
      p.total = 0;  // a config this build cannot rebuild: progress without a total
    }
  }
  if (run.status == store::RunStatus::running && p.total > 0) {
    // This session's pace: epochs logged since the run was (re)claimed.
    const double start = parse_utc_timestamp(run.start_time);
    double last = NAN;
    int64_t n = 0;
    for (const auto& m : losses)
      if (m.time >= run.start_time) ++n, last = parse_utc_timestamp(m.time);
    if (n > 0 && std::isfinite(start) && std::isfinite(last))
      p.eta = (last - start) / static_cast<double>(n) * static_cast<double>(p.total - p.done);
  }
  return p;
}

Cell best_value(store::Store& s, const std::string& run, const std::string& metric) {
  const auto sums = s.summaries(run);
  const auto it = sums.find("best." + metric);
  if (it != sums.end() && std::isfinite(it->second)) return it->second;
  // Until the best.* summary exists: the best epoch so far, in the metric's direction.
  const bool higher = higher_is_better(metric);
  double best = NAN;
  for (const auto& m : s.metrics(run, metric))
    if (std::isfinite(m.value) && (std::isnan(best) || (higher ? m.value > best : m.value < best))) best = m.value;
  return std::isfinite(best) ? Cell(best) : Cell(std::monostate{});
}

// "waiting for frontend (0123456789ab)" for a queued or interrupted run whose
// parent run (a "run:<id>" in its config) is not done yet; "" otherwise.
std::string waiting_for(store::Store& s, const store::RunRecord& run) {
  if (run.status != store::RunStatus::queued && run.status != store::RunStatus::interrupted) return "";
  const auto config = nlohmann::json::parse(run.config_json, nullptr, false);
  for (const auto& [key, parent_id] : run_references(config)) {
    const auto parent = s.find_run(parent_id);
    if (!parent || parent->status != store::RunStatus::done)
      return waiting_text(RunNeed{parent_id, parent ? parent->variant : "run"});
  }
  return "";
}

}  // namespace

double parse_utc_timestamp(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return NAN;
  double fraction = 0;
  if (in.peek() == '.') in >> fraction;  // ".123" reads as 0.123
  return static_cast<double>(timegm(&tm)) + fraction;
}

std::string experiment_report_metric(store::Store& s, const std::string& experiment) {
  const auto e = s.find_experiment(experiment);
  if (!e) return "val.miou";
  const auto spec = nlohmann::json::parse(e->spec_json, nullptr, false);
  if (spec.is_object() && spec.contains("report") && spec["report"].is_object() &&
      spec["report"].value("metric", nlohmann::json()).is_string())
    return spec["report"]["metric"].get<std::string>();
  return "val.miou";
}

Table status_table(store::Store& s, const std::string& experiment,
                   const std::map<std::string, std::string>& grid_labels,
                   const std::map<std::string, std::string>& slurm_states) {
  if (!experiment.empty() && !s.find_experiment(experiment))
    throw Error(fmt::format("no experiment '{}' in the database", experiment), Error::Kind::usage);
  const bool all = experiment.empty();
  const bool grid = !grid_labels.empty();
  Table t;
  if (all) t.columns.push_back("experiment");
  t.columns.push_back("variant");
  if (grid) t.columns.push_back("grid");
  const bool slurm = !slurm_states.empty();
  for (const char* c : {"seed", "status"}) t.columns.push_back(c);
  if (slurm) t.columns.push_back("slurm");
  t.columns.push_back("progress");
  if (all) t.columns.push_back("metric");
  t.columns.push_back(all ? "best" : "best " + experiment_report_metric(s, experiment));
  for (const char* c : {"eta", "id", "error"}) t.columns.push_back(c);

  std::map<std::string, std::string> metrics;  // experiment -> report metric
  for (const auto& run : s.runs(experiment)) {
    if (!metrics.count(run.experiment)) metrics[run.experiment] = experiment_report_metric(s, run.experiment);
    const std::string& metric = metrics[run.experiment];
    const RunProgress p = progress_of(s, run);
    std::vector<Cell> row;
    if (all) row.push_back(run.experiment);
    row.push_back(run.variant);
    if (grid) {
      const auto it = grid_labels.find(run.id);
      row.push_back(it == grid_labels.end() ? Cell(std::monostate{}) : Cell(it->second));
    }
    row.push_back(run.seed);
    row.push_back(std::string(store::to_string(run.status)));
    if (slurm) {
      const auto it = slurm_states.find(run.id);
      row.push_back(it == slurm_states.end() ? Cell(std::monostate{}) : Cell(it->second));
    }
    row.push_back(p.total > 0 ? fmt::format("{}/{}", p.done, p.total) : fmt::format("{}/?", p.done));
    if (all) row.push_back(metric);
    row.push_back(best_value(s, run.id, metric));
    row.push_back(std::isfinite(p.eta) ? Cell(format_duration(p.eta)) : Cell(std::monostate{}));
    row.push_back(run.id.substr(0, 12));
    const std::string waiting = waiting_for(s, run);
    row.push_back(!waiting.empty()      ? Cell(waiting)
                  : run.error.empty() ? Cell(std::monostate{})
                                      : Cell(run.error));
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace atrous
