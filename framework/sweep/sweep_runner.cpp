#include "sweep/sweep_runner.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "store/store.hpp"
#include "sweep/stale_runs.hpp"
#include "train/progress.hpp"
#include "train/trainer.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

// The experiment's report metric of a run: its best value, else its final one.
Cell report_value(store::Store& s, const std::string& run, const std::string& metric) {
  const auto sums = s.summaries(run);
  for (const std::string& key : {"best." + metric, metric}) {
    const auto it = sums.find(key);
    if (it != sums.end() && std::isfinite(it->second)) return it->second;
  }
  return std::monostate{};
}

}  // namespace

SweepOutcome run_sweep(const SweepPlan& plan, const SweepOptions& options, Backend& backend) {
  const ExperimentSpec& spec = plan.spec;
  store::Store s = store::Store::open(options.db_path);
  SweepOutcome out;
  // A run left 'running' by a process that died (kill -9, power loss) would never
  // be claimed again: it becomes interrupted, and resumes from its checkpoint.
  out.stale = interrupt_stale_runs(s, store::host_name());
  s.ensure_experiment(spec.name, spec.description, spec.doc.root().dump());
  for (const auto& r : plan.runs) {
    store::RunRecord rec;
    rec.id = r.id;
    rec.experiment = spec.name;
    rec.variant = r.planned.variant;
    rec.seed = r.planned.seed;
    rec.config_json = r.config.canonical();
    rec.grid_json = nlohmann::json(r.planned.grid_values).dump();
    // A run another experiment planned (same resolved config) is linked here too:
    // done, it is reused; otherwise it runs as usual, by whichever sweep claims it.
    s.insert_run_if_absent(rec);
    auto existing = s.find_run(r.id);
    if (existing->experiment != spec.name) out.shared.emplace_back(r.id, existing->experiment);
    if (options.retry_failed && existing->status == store::RunStatus::failed) {
      s.set_status(r.id, store::RunStatus::queued);
      existing->status = store::RunStatus::queued;
    }
    if (existing->status == store::RunStatus::queued || existing->status == store::RunStatus::interrupted)
      out.launched.push_back(r.id);
  }
  if (options.report)
    for (const auto& [id, other] : out.shared) {
      const store::RunStatus st = s.find_run(id)->status;
      options.report(fmt::format("note: run {} has the same resolved config as a run of experiment '{}'; both "
                                 "experiments share it ({}{})",
                                 id.substr(0, 12), other, store::to_string(st),
                                 st == store::RunStatus::done ? ": reused, not run again" : ""));
    }
  LaunchPlan launch{options.db_path, options.jobs, options.threads, options.report, {}};
  for (const auto& r : plan.runs)
    if (!r.parent_id.empty()) launch.needs[r.id] = RunNeed{r.parent_id, r.planned.needs};
  if (!out.launched.empty()) backend.execute(out.launched, launch);

  out.summary.columns = {"variant", "grid", "seed", "status", "best " + spec.report_metric, "id", "error"};
  for (const auto& r : plan.runs) {
    const auto rec = s.find_run(r.id);
    const store::RunStatus st = rec ? rec->status : store::RunStatus::queued;
    if (st == store::RunStatus::done) ++out.done;
    else if (st == store::RunStatus::failed) ++out.failed;
    else if (st == store::RunStatus::interrupted) ++out.interrupted;
    else ++out.other;
    out.summary.rows.push_back({r.planned.variant, grid_label(r.planned), r.planned.seed,
                                std::string(store::to_string(st)), report_value(s, r.id, spec.report_metric),
                                r.id.substr(0, 12), rec ? rec->error : std::string()});
  }
  return out;
}

Table plan_table(const SweepPlan& plan, const std::string& db_path, double* total_seconds, int* unknown_costs) {
  std::map<std::string, std::string> states;  // id -> status
  std::map<std::string, double> speed;        // model JSON -> img/s of a finished run
  if (fs::exists(db_path)) {
    auto db = store::Database::open(db_path, store::Database::Mode::read_only);
    auto q = db.prepare("SELECT run_id, status FROM runs");
    while (q.step()) states[q.column_text(0)] = q.column_text(1);
    auto v = db.prepare(
        "SELECT r.config_json, s.value FROM runs r JOIN summaries s ON s.run_id = r.run_id "
        "WHERE s.key = 'train_img_per_s' AND r.status = ?1 AND s.value > 0 ORDER BY r.end_time");
    v.bind(1, to_string(RunStatus::done));
    while (v.step()) {
      const auto config = nlohmann::json::parse(v.column_text(0), nullptr, false);
      if (!config.is_discarded() && config.contains("model")) speed[config["model"].dump()] = v.column_double(1);
    }
  }
  Table t;
  // "after": the run a staged run waits for (its parent's id), so the order the plan will run in is visible.
  t.columns = {"variant", "grid", "seed", "id", "state", "after", "est. cost"};
  double total = 0;
  int unknown = 0;
  for (const auto& r : plan.runs) {
    const auto st = states.find(r.id);
    const auto sp = speed.find(r.config.resolved["model"].dump());
    std::string cost = "unknown";
    if (sp != speed.end()) {
      const RunLength len = run_length(r.config);
      const double seconds = static_cast<double>(len.steps * r.config.train.batch_size) / sp->second;
      cost = format_duration(seconds);
      total += seconds;
    } else {
      ++unknown;
    }
    t.rows.push_back({r.planned.variant, grid_label(r.planned), r.planned.seed, r.id.substr(0, 12),
                      st == states.end() ? std::string("new") : st->second,
                      r.parent_id.empty() ? std::string("-") : r.parent_id.substr(0, 12), cost});
  }
  if (total_seconds) *total_seconds = total;
  if (unknown_costs) *unknown_costs = unknown;
  return t;
}

}  // namespace atrous
