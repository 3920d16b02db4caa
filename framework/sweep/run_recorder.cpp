#include "sweep/run_recorder.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <vector>

#include "model/build.hpp"
#include "model/summary.hpp"
#include "sweep/stop_signal.hpp"
#include "sweep/worker.hpp"
#include "train/collective.hpp"
#include "train/trainer.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

class RecordingObserver : public TrainObserver {
 public:
  RecordingObserver(RunRecorder& recorder, std::vector<std::string> classes)
      : recorder_(recorder), classes_(std::move(classes)) {}
  void on_epoch(int64_t epoch, int64_t step, const nlohmann::json& record) override {
    recorder_.epoch(step, epoch, flatten_epoch_metrics(record, classes_));
  }
  void on_checkpoint(const std::string& path, bool is_best) override {
    if (recorded_.insert(path).second) recorder_.artifact(is_best ? "best_checkpoint" : "checkpoint", path);
  }
  bool should_stop() override { return stop_requested(); }

 private:
  RunRecorder& recorder_;
  std::vector<std::string> classes_;
  std::set<std::string> recorded_;
};

void add_prefixed(std::map<std::string, double>& out, const std::string& prefix,
                  const std::map<std::string, double>& values) {
  for (const auto& [k, v] : values) out[prefix + k] = v;
}

}  // namespace

int train_and_record(const std::string& run_id, const std::function<nlohmann::json()>& config,
                     const std::string& out_dir, RunRecorder& recorder) {
  try {
    const RunConfig run = run_from_json(config(), "run " + run_id);
    TrainOptions o;
    o.out_dir = out_dir;
    o.resume = true;
    o.progress = ProgressMode::plain;
    RecordingObserver observer(recorder, run.data.dataset->class_names());
    const double previous_wall = recorder.previous_wall_seconds();
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
    recorder.summaries(summaries);

    for (const auto& [kind, name] : std::vector<std::pair<std::string, std::string>>{
             {"config", "config.json"}, {"checkpoint", "last.safetensors"}, {"best_checkpoint", "best.safetensors"},
             {"predictions", "predictions"}, {"log", "train.log"}, {"metrics", "metrics.jsonl"}}) {
      const std::string path = (fs::path(out_dir) / name).string();
      if (fs::exists(path)) recorder.artifact(kind, path);
    }
    recorder.status(r.status, r.reason);
    fmt::print(stderr, "run {}: {}{}{}\n", run_id, to_string(r.status), r.reason.empty() ? "" : ": ", r.reason);
    if (r.status == RunStatus::done) return worker_exit_done;
    return r.status == RunStatus::interrupted ? worker_exit_interrupted : worker_exit_failed;
  } catch (const std::exception& e) {
    recorder.status(RunStatus::failed, e.what());
    fmt::print(stderr, "run {}: failed: {}\n", run_id, e.what());
    // Over several ranks the others may wait for this one in a collective: end them all (rank 0 has
    // recorded the failure; another rank's error leaves the run to the launcher, sweep/rank_zero.hpp).
    Collective::abort_if_parallel(fmt::format("run {}: {}", run_id, e.what()), worker_exit_failed);
    return worker_exit_failed;
  }
}

}  // namespace atrous
