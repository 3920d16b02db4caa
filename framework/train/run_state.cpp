#include "train/run_state.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "train/checkpoint.hpp"
#include "train/divergence.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

std::string exact(double v) { return fmt::format("{}", v); }  // shortest text that reads back to v

// Thrown for a checkpoint of another run: the folder is not this run's, so no
// fallback applies.
struct OtherRun : Error {
  using Error::Error;
};

}  // namespace

void save_run_state(const std::string& path, Graph& graph, TrainStep& ts, const RunConfig& run, const RunState& s,
                    int64_t batches_per_epoch) {
  const auto params = graph.params();
  if (const auto bad = find_non_finite(params))
    throw Error(fmt::format("{}: not saved: {} at step {}", path, bad->describe(), s.step));
  Checkpoint ck;
  add_parameters(ck, graph);
  add_optimizer_state(ck, ts.optimizer(), params);
  ck.set_step(s.step);
  ck.metadata["epoch"] = std::to_string(s.step / batches_per_epoch);
  ck.metadata["run"] = run.canonical();
  ck.metadata["epoch_loss_sum"] = exact(s.loss_sum);
  ck.metadata["epoch_ce_sum"] = exact(s.ce_sum);
  ck.metadata["epoch_dice_sum"] = exact(s.dice_sum);
  ck.metadata["epoch_loss_count"] = std::to_string(s.loss_count);
  if (!s.best_record.is_null()) {
    ck.metadata["best_value"] = exact(s.best_value);
    ck.metadata["best_record"] = s.best_record.dump();
  }
  save_checkpoint(path, ck);
}

RunState load_run_state(const std::string& path, Graph& graph, TrainStep& ts, const RunConfig& run) {
  const Checkpoint ck = load_checkpoint(path);
  const auto meta = [&](const std::string& key) {
    const auto it = ck.metadata.find(key);
    if (it == ck.metadata.end())
      throw Error(fmt::format("{}: not a training checkpoint (no metadata '{}')", path, key));
    return it->second;
  };
  if (meta("run") != run.canonical())
    throw OtherRun(fmt::format("{}: cannot resume: the checkpoint belongs to a different run configuration "
                               "(compare its metadata 'run' with config.json)",
                               path),
                   Error::Kind::usage);
  // Everything is read and checked before the graph or the optimizer changes.
  RunState s;
  try {
    s.step = ck.step();
    s.loss_sum = std::stod(meta("epoch_loss_sum"));
    s.ce_sum = std::stod(meta("epoch_ce_sum"));
    s.dice_sum = std::stod(meta("epoch_dice_sum"));
    s.loss_count = std::stoll(meta("epoch_loss_count"));
    if (ck.metadata.count("best_record")) {
      s.best_value = std::stod(meta("best_value"));
      s.best_record = nlohmann::json::parse(meta("best_record"));
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: unreadable training metadata: {}", path, e.what()));
  }
  if (s.step < 0) throw Error(fmt::format("{}: negative step {}", path, s.step));
  for (const auto& [name, t] : ck.tensors)
    if (const size_t i = first_non_finite(t.data); i < t.data.size())
      throw Error(
          fmt::format("{}: tensor '{}' is {} (element {}): saved from a diverged run", path, name, t.data[i], i));
  const auto params = graph.params();
  Checkpoint before;  // load_parameters and load_optimizer_state each change nothing when they throw
  add_parameters(before, graph);
  load_parameters(graph, ck);
  try {
    load_optimizer_state(ts.optimizer(), params, ck);
  } catch (...) {
    load_parameters(graph, before);
    throw;
  }
  return s;
}

ResumedState resume_run_state(const std::string& dir, Graph& graph, TrainStep& ts, const RunConfig& run) {
  ResumedState r;
  std::string passed_over;  // "last.safetensors" once it could not be used
  for (const std::string name : {"last.safetensors", "best.safetensors"}) {
    const std::string path = (fs::path(dir) / name).string();
    if (!fs::exists(path)) continue;
    try {
      r.state = load_run_state(path, graph, ts, run);
      r.from = name;
      if (!passed_over.empty())
        r.notes.push_back(fmt::format("resumed from {} at step {} instead of {}", name, r.state.step, passed_over));
      else if (name != "last.safetensors")
        r.notes.push_back(fmt::format("resumed from {} at step {} (there is no last.safetensors)", name, r.state.step));
      return r;
    } catch (const OtherRun&) {
      throw;
    } catch (const std::exception& e) {
      r.notes.push_back(fmt::format("{} cannot be used: {}", name, e.what()));
      if (passed_over.empty()) passed_over = name;
    }
  }
  if (!passed_over.empty()) r.notes.push_back("no usable checkpoint: the run starts afresh from step 0");
  return r;
}

}  // namespace atrous
