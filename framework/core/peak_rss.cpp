#include "core/peak_rss.hpp"

#include <malloc.h>

#include <fstream>
#include <sstream>
#include <string>

namespace atrous {

namespace {

// A "Key:   123 kB" line of /proc/self/status, in bytes.
std::optional<int64_t> status_bytes(const std::string& wanted) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, unit;
    int64_t kib = 0;
    if (fields >> key >> kib >> unit && key == wanted && unit == "kB") return kib * 1024;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> peak_rss_bytes() { return status_bytes("VmHWM:"); }
std::optional<int64_t> current_rss_bytes() { return status_bytes("VmRSS:"); }

void release_free_memory() { malloc_trim(0); }

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

void PeakRssMeter::start() {
  release_free_memory();
  reset_ = reset_peak_rss();
  base_ = current_rss_bytes().value_or(0);
}

RssPeak PeakRssMeter::finish() const { return {base_, peak().value_or(0), reset_}; }

}  // namespace atrous
