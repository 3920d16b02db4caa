#include "sweep/manifest_worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/context.hpp"
#include "core/error.hpp"
#include "store/runtime_info.hpp"
#include "sweep/journal_recorder.hpp"
#include "sweep/manifest.hpp"
#include "sweep/rank_zero.hpp"
#include "sweep/run_needs.hpp"
#include "sweep/stop_signal.hpp"
#include "sweep/worker.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

// The parent's best checkpoint (else last) in its manifest folder.
std::string parent_checkpoint(const std::string& dir, const std::string& parent) {
  const fs::path folder = manifest_run_dir(dir, parent);
  for (const char* name : {"best.safetensors", "last.safetensors"})
    if (fs::is_regular_file(folder / name)) return (folder / name).string();
  throw Error(fmt::format("train.init.from refers to run {}, which is done but left no checkpoint in {}", parent,
                          folder.string()));
}

// Waits for the parent's DONE marker; nullopt when it did not come in time.
std::optional<RunStatus> wait_for_parent(const std::string& parent_dir, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (true) {
    if (const auto st = read_done_marker(parent_dir)) return st;
    if (std::chrono::steady_clock::now() >= deadline || stop_requested()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Over several ranks this runs on rank 0 (the others follow_rank_zero): every path that does not train tells
// the other ranks the exit code, the one that trains sends them the config.
int run_one(const Manifest& m, const std::string& dir, const ManifestRun& run, const ManifestWorkerOptions& o,
            Collective* ranks) {
  const std::string out_dir = manifest_run_dir(dir, run.run_id);
  const auto stop_the_ranks = [&](int code) {
    if (ranks) share_decision(*ranks, RankDecision{code, {}});
    return code;
  };
  if (const auto st = read_done_marker(out_dir)) {
    fmt::print(stderr, "run {} (index {}) is {} already (DONE in {}): not run again\n", run.run_id, run.index,
               to_string(*st), out_dir);
    return stop_the_ranks(*st == RunStatus::done ? worker_exit_done : worker_exit_failed);
  }
  std::optional<RunStatus> parent_status;
  std::string parent_variant;
  if (!run.needs.empty()) {
    for (const auto& r : m.runs)
      if (r.run_id == run.needs) parent_variant = r.variant;
    parent_status = wait_for_parent(manifest_run_dir(dir, run.needs), o.wait_parent_seconds);
    if (!parent_status) {
      fmt::print(stderr,
                 "run {} (index {}) needs run {} ({}), which has no DONE marker in {} yet: not started; run this "
                 "index again once it is done\n",
                 run.run_id, run.index, run.needs, parent_variant, manifest_run_dir(dir, run.needs));
      return stop_the_ranks(worker_exit_not_claimed);
    }
  }
  fs::create_directories(out_dir);
  JournalWriter journal((fs::path(out_dir) / kJournalFile).string());
  const store::RuntimeInfo info = store::current_runtime_info();
  journal.append({{"event", "start"},
                  {"run", run.run_id},
                  {"index", run.index},
                  {"host", info.host},
                  {"pid", info.pid},
                  {"atrous_version", info.atrous_version},
                  {"onednn_version", info.onednn_version},
                  {"onednn_isa", info.onednn_isa},
                  {"threads", info.threads},
                  {"config", run.config}});
  JournalRecorder recorder(journal);
  int code;
  if (parent_status && *parent_status != RunStatus::done) {
    // As the local backend does: the child of a failed parent is failed, "skipped: ...".
    recorder.status(RunStatus::failed, skipped_text(RunNeed{run.needs, parent_variant}, parent_status, ""));
    fmt::print(stderr, "run {}: failed: its parent {} is {}\n", run.run_id, run.needs, to_string(*parent_status));
    code = stop_the_ranks(worker_exit_failed);
  } else {
    Heartbeat heartbeat(journal, std::chrono::milliseconds(static_cast<int64_t>(o.heartbeat_seconds * 1000)));
    code = train_and_record(
        run.run_id,
        [&] {
          nlohmann::json config = run.config;
          const nlohmann::json::json_pointer at("/train/init/from");
          if (config.contains(at) && config[at].is_string()) {
            if (const auto parent = run_reference(config[at])) {
              config[at] = parent_checkpoint(dir, *parent);
              fmt::print(stderr, "run {}: train.init.from run:{} is {}\n", run.run_id, *parent, config[at].dump());
            }
          }
          if (ranks) share_decision(*ranks, RankDecision{std::nullopt, config});
          return config;
        },
        out_dir, recorder);
  }
  if (code == worker_exit_done || code == worker_exit_failed)
    write_done_marker(out_dir, code == worker_exit_done ? RunStatus::done : RunStatus::failed);
  return code;
}

}  // namespace

int slurm_array_task_id() {
  const char* text = std::getenv("SLURM_ARRAY_TASK_ID");
  if (!text || !*text)
    throw Error("no --index and no SLURM_ARRAY_TASK_ID: which run of the manifest should this worker run?",
                Error::Kind::usage);
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*end != '\0' || v < 0 || v > 1000000000)
    throw Error(fmt::format("SLURM_ARRAY_TASK_ID is '{}', expected a non-negative integer", text), Error::Kind::usage);
  return static_cast<int>(v);
}

int run_manifest_worker(const ManifestWorkerOptions& o) {
  install_stop_handlers();
  also_stop_on(SIGUSR1);
  if (o.threads > 0) set_threads(o.threads);
  if (o.pack < 1) throw Error(fmt::format("--pack must be at least 1, got {}", o.pack), Error::Kind::usage);
  const std::string file = manifest_file(o.manifest);
  const Manifest m = read_manifest(file);
  const std::string dir = manifest_dir(file);
  const int task = o.index ? *o.index : slurm_array_task_id();
  const int64_t first = static_cast<int64_t>(task) * o.pack;
  if (task < 0 || first >= static_cast<int64_t>(m.runs.size()))
    throw Error(fmt::format("index {}{} is outside {}, which has {} run(s) (indices 0-{})", task,
                            o.pack > 1 ? fmt::format(" (runs {}-{} with --pack {})", first, first + o.pack - 1, o.pack)
                                       : "",
                            file, m.runs.size(), static_cast<int64_t>(m.runs.size()) - 1),
                Error::Kind::usage);
  const int64_t last = std::min<int64_t>(first + o.pack, static_cast<int64_t>(m.runs.size()));
  // A packed task goes on after a failed or unstartable run, and stops at a signal. Over several ranks rank 0
  // decides both (a signal may reach it alone), and only rank 0 writes the journal and DONE.
  Collective* ranks = worker_ranks();
  int worst = worker_exit_done;
  for (int64_t i = first; i < last; ++i) {
    const ManifestRun& run = m.runs[static_cast<size_t>(i)];
    const int code = ranks && !ranks->root() ? follow_rank_zero(*ranks, run.run_id, manifest_run_dir(dir, run.run_id))
                                             : run_one(m, dir, run, o, ranks);
    bool stop = code == worker_exit_interrupted || stop_requested();
    if (ranks) stop = share_flag(*ranks, stop);
    if (stop) return worker_exit_interrupted;
    if (code != worker_exit_done && worst != worker_exit_failed) worst = code;  // failed outranks not started
  }
  return worst;
}

}  // namespace atrous
