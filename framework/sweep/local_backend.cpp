#include "sweep/local_backend.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "core/context.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "sweep/run_ranks.hpp"
#include "sweep/slurm_cli.hpp"
#include "sweep/stale_runs.hpp"
#include "sweep/stop_signal.hpp"
#include "sweep/worker.hpp"

extern char** environ;

namespace atrous {

namespace fs = std::filesystem;

namespace {

// fork + exec rather than posix_spawn, for one call in between: the child asks
// the kernel to send it SIGTERM when the sweep dies (PR_SET_PDEATHSIG), so that a
// sweep killed by SIGKILL, or by a signal it cannot catch, leaves no worker running
// unsupervised; the worker checkpoints and records itself interrupted. Between fork
// and exec the child makes only async-signal-safe calls (the parent may have
// threads). An exec failure comes back through a close-on-exec pipe.
//
// A run over several ranks (train.ranks) starts `mpirun -np N <the worker>` instead: the child is mpirun, the
// run's claim holds rank 0's pid.
pid_t spawn_worker(const std::string& exe, const std::string& db, const std::string& run, int threads, int ranks) {
  const std::string dir = run_dir(db, run);
  fs::create_directories(dir);
  const std::string log = (fs::path(dir) / "worker.log").string();
  const std::string t = std::to_string(threads);
  std::vector<std::string> args = {exe, "worker", "--db", db, "--run", run, "--threads", t};
  std::string program = exe;
  if (ranks > 1) {
    // mpirun starts the ranks itself: /proc/self/exe would name mpirun there, so the binary goes by its path.
    std::error_code ec;
    const fs::path binary = fs::canonical(exe, ec);
    if (!ec) args.front() = binary.string();
    std::vector<std::string> launcher = local_mpirun_prefix(ranks);
    program = find_on_path(launcher.front()).value_or(launcher.front());
    args.insert(args.begin(), launcher.begin(), launcher.end());
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0)
    throw Error(fmt::format("cannot start a worker: pipe: {}", std::strerror(errno)));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    throw Error(fmt::format("cannot start a worker: fork: {}", std::strerror(err)));
  }
  if (pid == 0) {
    ::close(report[0]);
    const auto die = [&](int err) {
      (void)!::write(report[1], &err, sizeof err);
      ::_exit(127);
    };
    // The sweep's stop handlers would only set a flag in this copy of it, and exec
    // then forgets it: until exec, a stop signal must end the child.
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) die(errno);
    if (::getppid() != parent) ::_exit(127);  // the sweep died before prctl took effect
    // The worker's own output (progress, errors) goes beside its run; the sweep prints one line per run.
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) die(errno);
    if (::dup2(fd, STDOUT_FILENO) < 0 || ::dup2(fd, STDERR_FILENO) < 0) die(errno);
    if (fd > STDERR_FILENO) ::close(fd);
    ::execve(program.c_str(), argv.data(), environ);
    die(errno);
  }
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  do n = ::read(report[0], &err, sizeof err);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    throw Error(fmt::format("cannot start a worker ({}): {}", program, std::strerror(err)));
  }
  return pid;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("worker killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("worker exited with code {}", WEXITSTATUS(status));
}

}  // namespace

int LocalBackend::threads_per_job(int budget, int jobs) {
  if (budget <= 0) budget = core_count();
  return std::max(1, budget / std::max(1, jobs));
}

void LocalBackend::execute(const std::vector<std::string>& run_ids, const LaunchPlan& plan) {
  const int jobs = std::max(1, plan.jobs);
  const int threads = threads_per_job(plan.threads, jobs);
  auto report = [&](const std::string& line) {
    if (plan.report) plan.report(line);
  };
  store::Store s = store::Store::open(plan.db_path);
  std::deque<std::string> pending(run_ids.begin(), run_ids.end());
  std::map<pid_t, std::string> active;
  std::set<pid_t> launchers;  // active children that are mpirun, not the worker itself
  // Each run's ranks, from its stored config; every run that needs several must be startable before any starts.
  std::map<std::string, int> ranks;
  for (const auto& id : run_ids) {
    const auto rec = s.find_run(id);
    ranks[id] = rec ? run_ranks(nlohmann::json::parse(rec->config_json, nullptr, false)) : 1;
    if (const std::string why = ranks_unavailable(ranks[id]); !why.empty())
      throw Error(fmt::format("run {}: {}", id, why), Error::Kind::usage);
  }
  std::set<std::string> unfinished(run_ids.begin(), run_ids.end());  // pending or active (a set: sweeps are large)
  bool stopping = false;

  auto finished = [&](pid_t pid, int status) {
    const std::string run = active.at(pid);
    active.erase(pid);
    const bool launcher = launchers.erase(pid) > 0;
    unfinished.erase(run);
    const bool clean = WIFEXITED(status) && (WEXITSTATUS(status) == worker_exit_done ||
                                             WEXITSTATUS(status) == worker_exit_failed ||
                                             WEXITSTATUS(status) == worker_exit_interrupted ||
                                             WEXITSTATUS(status) == worker_exit_not_claimed);
    auto rec = s.find_run(run);
    // Under mpirun the claim holds rank 0's pid, and an error on another rank ends rank 0 unrecorded (the
    // launcher's exit code may still be one of the worker's).
    const bool left_running = rec && rec->status == store::RunStatus::running &&
                              (launcher ? !process_alive(rec->pid) : !clean && rec->pid == pid);
    if (left_running) {
      // The worker could not record its end itself: record it for it.
      const std::string reason = fmt::format("{} (see {}/worker.log)", describe_exit(status), run_dir(plan.db_path, run));
      s.set_status(run, stopping ? store::RunStatus::interrupted : store::RunStatus::failed, reason);
      rec = s.find_run(run);
    }
    if (rec)
      report(fmt::format("{} {}{}{}",
                         rec->status == store::RunStatus::running || rec->status == store::RunStatus::queued
                             ? "left"
                             : "finished", run.substr(0, 12),
                         fmt::format(": {}", store::to_string(rec->status)), rec->error.empty() ? "" : " — " + rec->error));
  };

  // The first pending run that may start: one that needs nothing, or whose parent
  // is done. On the way, children of failed parents are recorded skipped and
  // children of parents this sweep will not run are left queued.
  const auto scheduled = [&](const std::string& id) { return unfinished.count(id) > 0; };
  const auto scan = [&](bool take) -> std::optional<std::string> {
    for (auto it = pending.begin(); it != pending.end();) {
      const auto need = plan.needs.find(*it);
      const auto parent = need == plan.needs.end() ? std::nullopt : s.find_run(need->second.parent_id);
      const std::optional<RunStatus> parent_status =
          parent ? std::optional<RunStatus>(parent->status) : std::nullopt;
      const NeedGate gate =
          need == plan.needs.end() ? NeedGate::ready : need_gate(parent_status, scheduled(need->second.parent_id));
      if (gate == NeedGate::ready) {
        std::string run = *it;
        if (take) pending.erase(it);
        return run;
      }
      if (gate == NeedGate::skip) {
        const std::string why = skipped_text(need->second, parent_status, parent ? parent->error : "");
        s.set_status(*it, store::RunStatus::failed, why);
        report(fmt::format("skipped  {}: {}", it->substr(0, 12), why.substr(std::string_view("skipped: ").size())));
        unfinished.erase(*it);
        it = pending.erase(it);
      } else if (gate == NeedGate::blocked) {
        report(fmt::format("left     {}: {}, which this sweep does not run", it->substr(0, 12), waiting_text(need->second)));
        unfinished.erase(*it);
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    return std::nullopt;
  };
  const auto next_ready = [&] { return scan(true); };
  const auto next_ready_exists = [&] {
    if (pending.empty()) return true;
    // A parent running elsewhere (another sweep on this database) is worth waiting for.
    for (const auto& id : pending)
      if (const auto need = plan.needs.find(id); need != plan.needs.end())
        if (const auto p = s.find_run(need->second.parent_id); p && p->status == RunStatus::running) return true;
    return scan(false).has_value() || pending.empty();
  };

  while ((!pending.empty() && !stopping) || !active.empty()) {
    if (stop_requested() && !stopping) {
      stopping = true;
      report(fmt::format("stopping: {} running run(s) checkpoint and stop, {} not started", active.size(),
                         pending.size()));
      for (const auto& [pid, run] : active) kill(pid, SIGTERM);
    }
    while (!stopping && static_cast<int>(active.size()) < jobs) {
      const auto run = next_ready();
      if (!run) break;
      const int n = ranks.count(*run) ? ranks.at(*run) : 1;
      const int per_rank = std::max(1, threads / n);  // the job's threads, shared by its ranks
      const pid_t pid = spawn_worker(executable_, plan.db_path, *run, per_rank, n);
      active[pid] = *run;
      if (n > 1) launchers.insert(pid);
      report(n > 1 ? fmt::format("started  {} (mpirun pid {}, {} ranks × {} threads)", run->substr(0, 12), pid, n,
                                 per_rank)
                   : fmt::format("started  {} (pid {}, {} threads)", run->substr(0, 12), pid, threads));
    }
    if (!stopping && active.empty() && !pending.empty() && !next_ready_exists())
      throw Error("internal: every pending run waits for a run that cannot start (a cycle of needs)");
    bool reaped = false;
    for (auto it = active.begin(); it != active.end();) {
      const pid_t pid = it->first;
      ++it;  // `finished` erases the entry
      int status = 0;
      const pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        finished(pid, status);
        reaped = true;
      } else if (r < 0 && errno != EINTR) {
        throw Error(fmt::format("waitpid({}): {}", pid, std::strerror(errno)));
      }
    }
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace atrous
