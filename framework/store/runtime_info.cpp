#include "store/runtime_info.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "core/context.hpp"

namespace atrous::store {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
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
