#include "train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/context.hpp"
#include "data/class_stats.hpp"
#include "data/loader.hpp"
#include "eval/argmax.hpp"
#include "eval/metric_catalogue.hpp"
#include "image/png.hpp"
#include "model/build.hpp"
#include "nn/memory_plan.hpp"
#include "nn/sync_batchnorm.hpp"
#include "train/collective.hpp"
#include "train/atomic_file.hpp"
#include "train/checkpoint.hpp"
#include "train/divergence.hpp"
#include "train/evaluate.hpp"
#include "train/prediction_panel.hpp"
#include "train/run_state.hpp"
#include "train/schedule.hpp"
#include "train/stages.hpp"
#include "train/train_step.hpp"

namespace atrous {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

LoaderOptions train_loader_options(const RunConfig& run, int rank = 0, int ranks = 1) {
  LoaderOptions lo;
  lo.shard = rank;
  lo.shards = ranks;
  lo.batch_size = run.train.batch_size;
  lo.shuffle = true;
  // Full batches only (batch norm statistics of a 1-image remainder are noise),
  // unless the split is smaller than one batch.
  lo.drop_last = run.data.dataset->size(Split::train) >= run.train.batch_size;
  lo.seed = run.train.seed;
  return lo;
}

LossConfig loss_config(const RunConfig& run) {
  LossConfig loss = run.train.loss;
  loss.ignore_index = ignore_label_of(*run.data.dataset);  // none for audio: code 255 is a class
  const int64_t classes = run.data.dataset->classes();
  if (run.train.class_weights == "inverse_frequency") {
    const auto w = inverse_frequency_weights(class_pixel_counts(*run.data.dataset, Split::train));
    loss.class_weights.assign(w.begin(), w.end());
  } else if (run.train.class_weights == "fixed" && static_cast<int64_t>(loss.class_weights.size()) != classes) {
    throw Error(fmt::format("train.loss.class_weights has {} weights but the dataset has {} classes",
                            loss.class_weights.size(), classes),
                Error::Kind::usage);
  }
  return loss;
}

// Keeps the metrics lines up to `step` (a resumed run rewrites what came after its checkpoint).
void truncate_metrics(const std::string& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return write_file_atomically(path, "");
  std::string kept, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.value("step", int64_t{0}) <= step) kept += line + "\n";
  }
  in.close();
  write_file_atomically(path, kept);
}

void write_predictions(Graph& graph, const RunConfig& run, const EvalPasses& passes, int64_t count,
                       const std::string& dir) {
  const Dataset& ds = *run.data.dataset;
  count = std::min(count, ds.size(Split::val));
  for (int64_t i = 0; i < count; ++i) {
    Rng unused(0);  // validation transforms draw nothing
    const Sample s = apply_transforms(ds.get(Split::val, i), run.data.val, unused);
    const Tensor x = Tensor::from_plain({1, s.channels, s.height, s.width}, s.image);
    const auto prediction = argmax_labels(infer_logits(graph, x, passes));
    write_png(fmt::format("{}/val_{:03}.png", dir, i), prediction_panel(s, prediction, run.data.val.normalize));
  }
}

// The height and width of a training batch: the crop, else the first training
// image at the largest scale the augmentation draws (rough for datasets whose
// images differ in size; the memory check only needs the order of magnitude).
std::pair<int64_t, int64_t> training_input_size(const RunConfig& run) {
  const Augment& a = run.data.train.augment;
  if (a.crop) return *a.crop;
  double scale = 1.0;
  for (double s : a.scales) scale = std::max(scale, s);
  if (a.scale_range) scale = std::max(scale, a.scale_range->second);
  const Sample s = run.data.dataset->get(Split::train, 0);
  return {std::llround(static_cast<double>(s.height) * scale), std::llround(static_cast<double>(s.width) * scale)};
}

// Refuses a run whose planned memory (nn/memory_plan.hpp says what it counts)
// exceeds MemAvailable, before anything large is allocated.
void check_training_memory(const Graph& graph, const RunConfig& run, const Optimizer& optimizer) {
  const std::optional<double> available = available_memory();
  if (!available) return;
  const auto [height, width] = training_input_size(run);
  check_memory_fits(plan_training_memory(graph, run.train.batch_size, height, width,
                                         static_cast<int64_t>(optimizer.buffer_names().size())),
                    *available);
}

}  // namespace

RunLength run_length(const RunConfig& run) {
  LoaderOptions lo = train_loader_options(run);
  lo.prefetch = 0;
  const Loader loader(run.data.dataset, Split::train, run.data.train, lo);
  RunLength len;
  len.batches_per_epoch = loader.batches_per_epoch();
  if (len.batches_per_epoch == 0) throw Error("the training split is empty", Error::Kind::usage);
  len.steps = run.train.iterations > 0 ? run.train.iterations : run.train.epochs * len.batches_per_epoch;
  len.epochs = (len.steps + len.batches_per_epoch - 1) / len.batches_per_epoch;
  return len;
}

double metric_value(const nlohmann::json& record, const std::string& dotted) {
  const nlohmann::json* node = &record;
  size_t begin = 0;
  while (true) {
    const size_t dot = dotted.find('.', begin);
    const std::string key = dotted.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    if (!node->is_object() || !node->contains(key)) return NAN;
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  return node->is_number() ? node->get<double>() : NAN;
}

nlohmann::json TrainResult::to_json() const {
  nlohmann::json j = {{"status", std::string(to_string(status))},
                      {"reason", reason},
                      {"steps", steps},
                      {"wall_seconds", wall_seconds},
                      {"train_img_per_s", train_img_per_s},
                      {"final", final_metrics}, {"best", best_metrics}};
  if (failed_step >= 0) j["failed_step"] = failed_step;
  if (!notes.empty()) j["notes"] = notes;
  return j;
}

TrainResult train_run(const RunConfig& run, const TrainOptions& options, TrainObserver* observer) {
  const auto started = Clock::now();
  if (options.threads > 0) set_threads(options.threads);
  check(!options.out_dir.empty(), "train_run: no output directory");
  const std::string out = options.out_dir;
  const Recipe& recipe = run.train;
  // Data-parallel: MPI is touched only when asked for; one rank is the plain path.
  Collective* comm =
      options.data_parallel || recipe.data_parallel || recipe.ranks > 1 ? &Collective::world() : nullptr;
  const int ranks = comm ? comm->size() : 1, rank = comm ? comm->rank() : 0;
  // A run that names its ranks is that run only over that many: other counts split the batches otherwise.
  if (recipe.ranks > 1 && ranks != recipe.ranks)
    throw Error(fmt::format("the recipe asks for {} ranks (train.ranks) but this process is one of {}: start it "
                            "with `mpirun -np {}` (or `srun -n {}`){}",
                            recipe.ranks, ranks, recipe.ranks, recipe.ranks,
                            Collective::built_with_mpi() ? "" : "; this atrous was built without MPI"),
                Error::Kind::usage);
  const bool root = rank == 0;
  // Prediction panels draw images; a sequence (audio) run has none to draw.
  const bool draw_predictions = !run.data.dataset->is_sequence();
  if (root) fs::create_directories(draw_predictions ? fs::path(out) / "predictions" : fs::path(out));
  const RunLength len = run_length(run);

  Graph graph = build_graph(run.model);
  graph.fuse();
  use_precision(graph, recipe.precision);  // refuses bf16 on a CPU without it
  if (ranks > 1 && recipe.sync_bn)
    set_sync_batchnorm(graph, [comm](std::span<double> sums) { comm->allreduce_sum(sums); });
  auto optimizer = make_optimizer(recipe.optimizer);
  apply_freeze_and_lr_mult(graph, *optimizer, recipe);
  check_training_memory(graph, run, *optimizer);  // before the parameters exist
  graph.init(recipe.seed);
  TrainStep ts(graph, loss_config(run), std::move(optimizer));
  if (ranks > 1) ts.set_data_parallel(*comm);
  ScheduleConfig sc = recipe.schedule;
  sc.total_steps = len.steps;
  const LrSchedule schedule(sc);
  const EvalSettings eval{{recipe.eval.scales, recipe.eval.flip}, recipe.batch_size, recipe.eval.boundary_band, true};

  const std::string last_path = out + "/last.safetensors", best_path = out + "/best.safetensors";
  const std::string metrics_path = out + "/metrics.jsonl";
  // Every file of the run is written with its errors checked (a full disk fails
  // the run naming the file, rather than leaving an empty config.json).
  const std::string log_path = out + "/train.log";
  const auto log = [&](const std::string& line) {
    if (root) append_to_file(log_path, line + "\n");
  };
  std::vector<std::string> notes;
  if (root)
    for (const auto& name : remove_stale_temporaries(out))
      notes.push_back(fmt::format("removed {}, a temporary file left by a killed process", name));
  RunState state;
  bool resumed_own = false;
  if (options.resume) {
    ResumedState resumed = resume_run_state(out, graph, ts, run);
    notes.insert(notes.end(), resumed.notes.begin(), resumed.notes.end());
    state = resumed.state;
    resumed_own = !resumed.from.empty();
    if (root) {
      if (resumed.from.empty()) write_file_atomically(metrics_path, "");
      else truncate_metrics(metrics_path, state.step);
    }
  } else if (root) {
    write_file_atomically(metrics_path, "");
  }
  // A resumed run's own checkpoint already holds what `init` loaded at its start.
  if (!resumed_own) load_init(graph, recipe.init);
  if (root) write_file_atomically(out + "/config.json", run.resolved.dump(2) + "\n");
  const auto params = graph.params();
  // Every rank built and initialised the same graph from the same seed (and read the same
  // checkpoint); rank 0's values are sent anyway, so that no rank can start elsewhere.
  if (ranks > 1)
    for (const auto& np : params) comm->broadcast(np.param->value);

  Loader loader(run.data.dataset, Split::train, run.data.train, train_loader_options(run, rank, ranks));
  loader.seek(state.step / len.batches_per_epoch, state.step % len.batches_per_epoch);
  Progress progress(root ? options.progress : ProgressMode::none, len.steps, len.epochs, state.step);
  const int64_t first_step = state.step;
  log(fmt::format("run {} ({}), {} steps in {} epochs of {} batches, {} threads{}{}", run.model.name(), run.hash(),
                  len.steps, len.epochs, len.batches_per_epoch, thread_count(),
                  ranks > 1 ? fmt::format(" per rank, data-parallel over {} ranks ({} batch norm)", ranks,
                                          recipe.sync_bn ? "synchronised" : "per-rank")
                            : "",
                  first_step > 0 ? fmt::format(", resumed at step {}", first_step) : ""));
  if (recipe.precision != Precision::f32)
    log(fmt::format("convolutions compute in {} (parameters, optimizer state and loss in f32)",
                    precision_name(recipe.precision)));
  for (const auto& note : notes) log("note: " + note);

  TrainResult result;
  result.notes = notes;
  double train_seconds = 0;
  int64_t images = 0;
  auto rate = [&] { return train_seconds > 0 ? static_cast<double>(images) / train_seconds : 0.0; };
  while (state.step < len.steps) {
    const Batch batch = loader.next();
    const double lr = schedule.lr_at(state.step);
    const auto t0 = Clock::now();
    const LossValue v = ts.run(batch.images, batch.labels, lr, state.step);
    train_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    images += batch.global_size;
    const int64_t epoch = state.step / len.batches_per_epoch;
    if (!std::isfinite(v.total)) {
      result.status = RunStatus::failed;
      result.failed_step = state.step;
      result.reason = fmt::format("the loss is {} at step {} (epoch {}, learning rate {:g}); the parameters have "
                                  "diverged, lower the learning rate",
                                  v.total, state.step, epoch + 1, lr);
      break;
    }
    // A diverged run can keep a finite loss for a while (NaN weights behind a ReLU,
    // a saturated softmax): the parameters themselves are checked after each update.
    if (const auto bad = find_non_finite(params)) {
      result.status = RunStatus::failed;
      result.failed_step = state.step;
      result.reason = fmt::format("{} after the update at step {} (epoch {}, learning rate {:g}, loss {:g}); the "
                                  "parameters have diverged, lower the learning rate",
                                  bad->describe(), state.step, epoch + 1, lr, v.total);
      break;
    }
    state.loss_sum += v.total;
    state.ce_sum += v.ce;
    state.dice_sum += v.dice;
    ++state.loss_count;
    if (observer && root) observer->on_step({state.step, epoch, v, lr, rate()});
    ++state.step;
    progress.update(epoch, state.step, v.total, rate());

    if (state.step % len.batches_per_epoch == 0 || state.step == len.steps) {
      const bool final = state.step == len.steps;
      const double n = static_cast<double>(std::max<int64_t>(1, state.loss_count));
      nlohmann::json record = {{"epoch", epoch + 1},
                               {"step", state.step},
                               {"train", {{"loss", state.loss_sum / n}, {"ce", state.ce_sum / n},
                                          {"dice", state.dice_sum / n}, {"lr", lr}}}};
      state.loss_sum = state.ce_sum = state.dice_sum = 0;
      state.loss_count = 0;
      std::string summary = fmt::format("epoch {}/{}  step {}  train.loss {:.4f}", epoch + 1, len.epochs,
                                        state.step, record["train"]["loss"].get<double>());
      bool is_best = false;
      if (root && ((epoch + 1) % recipe.eval.every == 0 || final)) {
        const Metrics m = evaluate_split(graph, run.data, Split::val, eval);
        record["val"] = m.to_json();
        result.final_val = m;
        if (m.bits_per_sample)
          summary += fmt::format("  val.bits_per_sample {:.3f}  val.pixel_acc {:.4f}", *m.bits_per_sample, m.pixel_acc);
        else
          summary += fmt::format("  val.miou {:.4f}  val.pixel_acc {:.4f}  val.boundary_f {:.4f}", m.miou,
                                 m.pixel_acc, m.boundary_f());
        const double value = metric_value(record, recipe.checkpoint.best_metric);
        const bool better = higher_is_better(recipe.checkpoint.best_metric) ? value > state.best_value
                                                                            : value < state.best_value;
        if (std::isfinite(value) && (state.best_record.is_null() || better)) {
          is_best = true;
          state.best_value = value;
          state.best_record = record;
        }
        if (draw_predictions) write_predictions(graph, run, eval.passes, options.predictions, out + "/predictions");
        append_to_file(metrics_path, record.dump() + "\n");
      }
      result.final_metrics = record;
      progress.message(summary);
      log(summary);
      if (observer && root) observer->on_epoch(epoch + 1, state.step, record);
      if (is_best) {
        save_run_state(best_path, graph, ts, run, state, len.batches_per_epoch);
        if (observer) observer->on_checkpoint(best_path, true);
      }
      if (root && ((epoch + 1) % recipe.checkpoint.every == 0 || final)) {
        save_run_state(last_path, graph, ts, run, state, len.batches_per_epoch);
        if (observer) observer->on_checkpoint(last_path, false);
      }
    }
    bool stop = observer && state.step < len.steps && observer->should_stop();
    if (ranks > 1) {  // any rank's stop stops all: the others would wait for it in the next allreduce
      double votes[1] = {stop ? 1.0 : 0.0};
      comm->allreduce_sum(votes);
      stop = votes[0] > 0 && state.step < len.steps;
    }
    if (stop) {
      if (root) {
        save_run_state(last_path, graph, ts, run, state, len.batches_per_epoch);
        if (observer) observer->on_checkpoint(last_path, false);
      }
      result.status = RunStatus::interrupted;
      result.reason = fmt::format("stopped at step {} of {}; resume to continue", state.step, len.steps);
      break;
    }
  }
  progress.finish();
  result.steps = state.step;
  result.best_metrics = state.best_record;
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.train_img_per_s = rate();
  if (first_step == len.steps && result.final_metrics.is_null()) result.final_metrics = state.best_record;
  log(fmt::format("{}{}{} after {} steps, {:.1f} s, {:.1f} img/s", to_string(result.status), result.reason.empty() ? "" : ": ",
                  result.reason, result.steps, result.wall_seconds, result.train_img_per_s));
  return result;
}

}  // namespace atrous
