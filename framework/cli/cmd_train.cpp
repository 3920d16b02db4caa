// `atrous train`: one training run from a model, a data config and a recipe (or
// one run file naming the three); prints the final metrics.
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "eval/metrics_table.hpp"
#include "train/collective.hpp"
#include "train/trainer.hpp"

namespace atrous::cli {

namespace {

struct TrainArgs {
  std::string run_file, model, data, train;
  std::vector<std::string> overrides;
  std::string out, format = "table", progress = "auto";
  bool resume = false, data_parallel = false;
  std::string loss_log;
  int threads = 0;
};

volatile std::sig_atomic_t g_stop = 0;

// Ctrl-C once stops gracefully (checkpoint, then exit); a second time kills.
// With --loss-log, also writes each step's loss ("step loss ce dice", one line each).
class SignalStop : public TrainObserver {
 public:
  explicit SignalStop(const std::string& loss_log) {
    if (!loss_log.empty()) {
      const auto parent = std::filesystem::path(loss_log).parent_path();
      std::error_code ec;
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);  // the open below reports failure
      loss_log_.open(loss_log, std::ios::trunc);
      if (!loss_log_) throw Error(fmt::format("cannot write the loss log {}", loss_log), Error::Kind::usage);
    }
    g_stop = 0;
    previous_ = std::signal(SIGINT, [](int) {
      g_stop = 1;
      std::signal(SIGINT, SIG_DFL);
    });
  }
  ~SignalStop() override { std::signal(SIGINT, previous_); }
  bool should_stop() override { return g_stop != 0; }
  void on_step(const StepReport& r) override {
    // Full precision: tests compare the curves of two runs.
    if (loss_log_.is_open()) loss_log_ << fmt::format("{} {:.9g} {:.9g} {:.9g}\n", r.step, r.loss.total, r.loss.ce, r.loss.dice) << std::flush;
  }

 private:
  void (*previous_)(int) = SIG_DFL;
  std::ofstream loss_log_;
};

RunConfig load(const TrainArgs& a) {
  const bool files = !a.model.empty() || !a.data.empty() || !a.train.empty();
  if (!a.run_file.empty() && files)
    throw Error("give either a run file or --model/--data/--train, not both", Error::Kind::usage);
  if (!a.run_file.empty()) return load_run_file(a.run_file, a.overrides);
  if (a.model.empty() || a.data.empty() || a.train.empty())
    throw Error("atrous train needs --model, --data and --train (or a run file)", Error::Kind::usage);
  return load_run(a.model, a.data, a.train, a.overrides);
}

void run_train(const TrainArgs& a) {
  const RunConfig run = load(a);
  TrainOptions o;
  o.out_dir = a.out.empty() ? fmt::format("results/runs/{}-{}", run.model.name(), run.hash().substr(0, 8)) : a.out;
  o.resume = a.resume;
  o.progress = parse_progress_mode(a.progress);
  o.data_parallel = a.data_parallel;
  const bool parallel = a.data_parallel || run.train.data_parallel || run.train.ranks > 1;
  const bool root = !parallel || Collective::world().root();
  if (root)
    fmt::print(stderr, "training {} on {} -> {}{}\n", run.model.name(), run.data.dataset->type(), o.out_dir,
               parallel ? fmt::format(" (data-parallel, {} ranks)", Collective::world().size()) : "");
  SignalStop stop(root ? a.loss_log : "");
  const TrainResult r = train_run(run, o, &stop);
  if (!root) return;
  for (const auto& note : r.notes) fmt::print(stderr, "note: {}\n", note);
  if (a.format == "json") {
    nlohmann::json j = r.to_json();
    j["out_dir"] = o.out_dir;
    j["run_hash"] = run.hash();
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("status: {}{}{}\nsteps: {}  wall: {:.1f} s  train: {:.1f} img/s  out: {}\n", to_string(r.status),
               r.reason.empty() ? "" : " — ", r.reason, r.steps, r.wall_seconds, r.train_img_per_s, o.out_dir);
    if (r.final_val) fmt::print("{}", format_metrics_table(*r.final_val, run.data.dataset->class_names()));
  }
  if (r.status == RunStatus::failed) throw Error("training failed: " + r.reason);
  if (r.status == RunStatus::interrupted) throw Error("training interrupted: " + r.reason);
}

}  // namespace

void add_train_command(CLI::App& app) {
  static TrainArgs a;
  auto* sub = app.add_subcommand("train", "Train one run; print its final metrics");
  sub->add_option("run", a.run_file, "Run file {model: path, data: path, train: path, set: {...}}");
  sub->add_option("--model", a.model, "Model file (configs/models/*.yaml)");
  sub->add_option("--data", a.data, "Data config (configs/data/*.yaml)");
  sub->add_option("--train", a.train, "Recipe (configs/train/*.yaml)");
  sub->add_option("--set", a.overrides, "Override: model.width=32, data.seed=3, train.optimizer.lr=0.1")
      ->allow_extra_args(false);
  sub->add_option("--out", a.out, "Output directory (default: results/runs/<model>-<run hash>)");
  sub->add_flag("--resume", a.resume, "Continue from OUT/last.safetensors when it exists");
  sub->add_option("--progress", a.progress, "auto (bar on a terminal), bar, plain or none")
      ->check(CLI::IsMember({"auto", "bar", "plain", "none"}));
  sub->add_option("--format", a.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_flag("--data-parallel", a.data_parallel,
                "Under `mpirun -np N`: each rank trains on its shard of every global batch (train.batch_size); "
                "rank 0 evaluates, logs and checkpoints (as train.data_parallel: true)");
  sub->add_option("--loss-log", a.loss_log, "Write every step's loss to this file (step loss ce dice)");
  add_threads_option(*sub, a.threads);
  sub->callback([] {
    // Data-parallel: an error on one rank ends every rank (the others would wait for it in a
    // collective forever), after printing it with its rank.
    try {
      run_train(a);
    } catch (const std::exception& e) {
      const auto* error = dynamic_cast<const Error*>(&e);
      Collective::abort_if_parallel(e.what(), error ? error->exit_code() : 1);
      throw;
    }
  });
}

}  // namespace atrous::cli
