#include "sweep/stale_runs.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

namespace atrous {

bool process_alive(int64_t pid) {
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  // A zombie (exited, not yet reaped) still answers kill(pid, 0). In containers
  // whose pid 1 does not reap orphans, the workers of a killed sweep stay zombies
  // forever; they are dead. /proc/<pid>/stat is "pid (comm) S ...": the state
  // follows the last ')'.
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text;
  std::getline(stat, text);
  const auto paren = text.rfind(')');
  return !(paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z');
}

std::vector<std::string> interrupt_stale_runs(store::Store& s, const std::string& host) {
  const int64_t self = getpid();
  std::vector<std::string> out;
  for (const auto& run : s.runs({}, RunStatus::running)) {
    if (run.host != host || run.pid == self || process_alive(run.pid)) continue;
    // Re-checked by the store: the run may have finished or been claimed again since.
    if (s.interrupt_if_running(run.id, run.host, run.pid, fmt::format("process {} on {} died while running", run.pid, host)))
      out.push_back(run.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace atrous
