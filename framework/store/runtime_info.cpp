#include "store/runtime_info.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>

#include "core/context.hpp"

namespace atrous::store {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

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

RuntimeInfo current_runtime_info() {
  RuntimeInfo info;
  info.host = host_name();
  info.pid = getpid();
  info.atrous_version = ATROUS_VERSION;
  info.onednn_version = dnnl_version_string();
  info.onednn_isa = dnnl_isa_name();
  info.threads = thread_count();
  return info;
}

std::string utc_timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(system_clock::to_time_t(now)), ms);
}

}  // namespace atrous::store
