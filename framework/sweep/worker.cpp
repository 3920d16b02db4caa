#include "sweep/worker.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "core/context.hpp"
#include "core/error.hpp"
#include "eval/metric_catalogue.hpp"
#include "store/store.hpp"
#include "sweep/rank_zero.hpp"
#include "sweep/run_needs.hpp"
#include "sweep/run_recorder.hpp"
#include "sweep/stop_signal.hpp"

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

// The results database as the recorder: each epoch one transaction, idempotent per step.
class StoreRecorder : public RunRecorder {
 public:
  StoreRecorder(store::Store& s, std::string run) : store_(s), run_(std::move(run)) {}
  double previous_wall_seconds() override {
    const auto sums = store_.summaries(run_);
    const auto it = sums.find("wall_seconds");
    return it == sums.end() ? 0.0 : it->second;
  }
  void epoch(int64_t step, int64_t epoch, const std::map<std::string, double>& metrics) override {
    store_.log_metrics(run_, step, epoch, metrics);
  }
  void artifact(const std::string& kind, const std::string& path) override { add_artifact_once(store_, run_, kind, path); }
  void summaries(const std::map<std::string, double>& values) override { store_.set_summaries(run_, values); }
  void status(RunStatus status, const std::string& reason) override { store_.set_status(run_, status, reason); }

 private:
  store::Store& store_;
  std::string run_;
};

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
  // Over several ranks (train.ranks) only rank 0 opens the database; the others train what it tells them.
  Collective* ranks = worker_ranks();
  if (ranks && !ranks->root()) return follow_rank_zero(*ranks, run_id, run_dir(db_path, run_id));
  const auto stop_the_ranks = [&](int code) {
    if (ranks) share_decision(*ranks, RankDecision{code, {}});
    return code;
  };
  // An exception before the decision is sent (cannot open the database) ends every rank: cli/cmd_worker.
  store::Store s = store::Store::open(db_path);
  const auto record = s.find_run(run_id);
  if (!record) {
    stop_the_ranks(2);  // the usage error's exit code, which this rank's error gives too
    throw Error(fmt::format("run '{}' is not in {}", run_id, db_path), Error::Kind::usage);
  }
  store::RuntimeInfo info = store::current_runtime_info();
  if (!s.claim_run(run_id, info)) {
    fmt::print(stderr, "run {} is {}, not queued or interrupted: not claimed\n", run_id,
               store::to_string(s.find_run(run_id)->status));
    return stop_the_ranks(worker_exit_not_claimed);
  }
  // From here on every outcome is recorded: an exception is a failed run with its message.
  StoreRecorder recorder(s, run_id);
  return train_and_record(
      run_id,
      [&] {
        // A later stage starts from its parent's best checkpoint, found now that the parent is done.
        const auto stored = nlohmann::json::parse(record->config_json);
        auto config = with_parent_checkpoint(s, db_path, stored);
        if (config != stored)
          fmt::print(stderr, "run {}: train.init.from {} is {}\n", run_id, stored["train"]["init"]["from"].dump(),
                     config["train"]["init"]["from"].dump());
        if (ranks) share_decision(*ranks, RankDecision{std::nullopt, config});
        return config;
      },
      run_dir(db_path, run_id), recorder);
}

}  // namespace atrous
