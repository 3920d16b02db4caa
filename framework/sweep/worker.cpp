#include "sweep/worker.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "core/context.hpp"
#include "core/error.hpp"
#include "eval/metric_catalogue.hpp"
#include "model/build.hpp"
#include "model/summary.hpp"
#include "store/store.hpp"
#include "sweep/run_needs.hpp"
#include "sweep/stop_signal.hpp"
#include "train/trainer.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

// The evaluator's scalars the metric catalogue lists get a metric row each; its
// per-class entries become val.<name>.<class>; the bookkeeping (pixels, counts) is left out.
const std::set<std::string> kValScalars = [] {
  const auto names = stored_val_scalars();
  return std::set<std::string>(names.begin(), names.end());
}();

void add_artifact_once(store::Store& s, const std::string& run, const std::string& kind, const std::string& path) {
  for (const auto& a : s.artifacts(run))
    if (a.kind == kind && a.path == path) return;
  s.add_artifact(run, kind, path);
}

class StoreObserver : public TrainObserver {
 public:
  StoreObserver(store::Store& s, std::string run, std::vector<std::string> classes)
      : store_(s), run_(std::move(run)), classes_(std::move(classes)) {}
  void on_epoch(int64_t epoch, int64_t step, const nlohmann::json& record) override {
    store_.log_metrics(run_, step, epoch, flatten_epoch_metrics(record, classes_));
  }
  void on_checkpoint(const std::string& path, bool is_best) override {
    if (recorded_.insert(path).second) add_artifact_once(store_, run_, is_best ? "best_checkpoint" : "checkpoint", path);
  }
  bool should_stop() override { return stop_requested(); }

 private:
  store::Store& store_;
  std::string run_;
  std::vector<std::string> classes_;
  std::set<std::string> recorded_;
};

void add_prefixed(std::map<std::string, double>& out, const std::string& prefix,
                  const std::map<std::string, double>& values) {
  for (const auto& [k, v] : values) out[prefix + k] = v;
}

}  // namespace

std::string run_dir(const std::string& db_path, const std::string& run_id) {
  fs::path folder = fs::path(db_path).parent_path();
  if (folder.empty()) folder = ".";
  return (folder / "runs" / run_id).string();
}

std::map<std::string, double> flatten_epoch_metrics(const nlohmann::json& record,
                                                    const std::vector<std::string>& class_names) {
  std::map<std::string, double> out;
  if (record.contains("train"))
    for (const auto& [k, v] : record["train"].items())
      if (v.is_number()) out["train." + k] = v.get<double>();
  if (record.contains("val")) {
    const auto& val = record["val"];
    for (const auto& [k, v] : val.items())
      if (kValScalars.count(k) && v.is_number()) out["val." + k] = v.get<double>();
    for (const MetricInfo& m : metric_catalogue()) {
      if (m.shape != MetricShape::per_class || !m.key.starts_with("val.")) continue;
      const std::string list = std::string(m.key.substr(4)) + "_per_class";  // "val.iou" -> "iou_per_class"
      if (!val.contains(list)) continue;
      for (size_t c = 0; c < val[list].size(); ++c) {
        const auto& v = val[list][c];
        if (!v.is_number()) continue;  // absent class: NaN stored as null
        const std::string name = c < class_names.size() ? class_names[c] : std::to_string(c);
        out[std::string(m.key) + "." + name] = v.get<double>();
      }
    }
  }
  return out;
}

int run_worker(const std::string& db_path, const std::string& run_id, int threads) {
  install_stop_handlers();
  if (threads > 0) set_threads(threads);
  store::Store s = store::Store::open(db_path);
  const auto record = s.find_run(run_id);
  if (!record) throw Error(fmt::format("run '{}' is not in {}", run_id, db_path), Error::Kind::usage);
  store::RuntimeInfo info = store::current_runtime_info();
  if (!s.claim_run(run_id, info)) {
    fmt::print(stderr, "run {} is {}, not queued or interrupted: not claimed\n", run_id,
               store::to_string(s.find_run(run_id)->status));
    return worker_exit_not_claimed;
  }
  // From here on every outcome is recorded: an exception is a failed run with its message.
  try {
    // A later stage starts from its parent's best checkpoint, found now that the parent is done.
    const auto stored = nlohmann::json::parse(record->config_json);
    const auto config = with_parent_checkpoint(s, db_path, stored);
    if (config != stored)
      fmt::print(stderr, "run {}: train.init.from {} is {}\n", run_id, stored["train"]["init"]["from"].dump(),
                 config["train"]["init"]["from"].dump());
    const RunConfig run = run_from_json(config, "run " + run_id);
    TrainOptions o;
    o.out_dir = run_dir(db_path, run_id);
    o.resume = true;
    o.progress = ProgressMode::plain;
    StoreObserver observer(s, run_id, run.data.dataset->class_names());
    const double previous_wall = [&] {
      const auto sums = s.summaries(run_id);
      const auto it = sums.find("wall_seconds");
      return it == sums.end() ? 0.0 : it->second;
    }();
    const TrainResult r = train_run(run, o, &observer);
    for (const auto& note : r.notes) fmt::print(stderr, "run {}: note: {}\n", run_id, note);

    std::map<std::string, double> summaries;
    const auto classes = run.data.dataset->class_names();
    if (!r.final_metrics.is_null()) add_prefixed(summaries, "", flatten_epoch_metrics(r.final_metrics, classes));
    if (!r.best_metrics.is_null()) add_prefixed(summaries, "best.", flatten_epoch_metrics(r.best_metrics, classes));
    if (r.train_img_per_s > 0) summaries["train_img_per_s"] = r.train_img_per_s;
    summaries["wall_seconds"] = previous_wall + r.wall_seconds;  // over all sessions of the run
    summaries["steps"] = static_cast<double>(r.steps);
    summaries["params"] = static_cast<double>(summarize(run.model, build_graph(run.model)).params);
    s.set_summaries(run_id, summaries);

    for (const auto& [kind, name] : std::vector<std::pair<std::string, std::string>>{
             {"config", "config.json"}, {"checkpoint", "last.safetensors"}, {"best_checkpoint", "best.safetensors"},
             {"predictions", "predictions"}, {"log", "train.log"}, {"metrics", "metrics.jsonl"}}) {
      const std::string path = (fs::path(o.out_dir) / name).string();
      if (fs::exists(path)) add_artifact_once(s, run_id, kind, path);
    }
    s.set_status(run_id, r.status, r.reason);
    fmt::print(stderr, "run {}: {}{}{}\n", run_id, to_string(r.status), r.reason.empty() ? "" : ": ", r.reason);
    if (r.status == RunStatus::done) return worker_exit_done;
    return r.status == RunStatus::interrupted ? worker_exit_interrupted : worker_exit_failed;
  } catch (const std::exception& e) {
    s.set_status(run_id, store::RunStatus::failed, e.what());
    fmt::print(stderr, "run {}: failed: {}\n", run_id, e.what());
    return worker_exit_failed;
  }
}

}  // namespace atrous
