#pragma once
// The process's peak resident set (Linux's VmHWM), resettable, so that one process
// can measure the peak of several phases one after another (`atrous bench`: each
// model's training and inference). getrusage's ru_maxrss cannot be reset.
#include <cstdint>
#include <optional>

namespace atrous {

// VmHWM and VmRSS of /proc/self/status in bytes; nullopt where they cannot be read.
std::optional<int64_t> peak_rss_bytes();
std::optional<int64_t> current_rss_bytes();

// Returns freed heap memory to the kernel (glibc malloc_trim), so that what a
// previous phase freed but malloc kept does not count in the next phase's peak.
void release_free_memory();

// Resets VmHWM to the current RSS (writes "5" to /proc/self/clear_refs, Linux ≥ 4.0).
// False when the kernel refuses: a later peak then includes everything before.
bool reset_peak_rss();

// What one phase's measurement found, in bytes (0 when /proc could not be read).
struct RssPeak {
  int64_t base = 0;    // resident when the phase started (the peak includes it)
  int64_t peak = 0;    // the high-water mark since then
  bool reset = false;  // false: the mark could not be reset, `peak` is the process's whole-life peak
};

// One phase's measurement: start() releases free memory and resets the mark,
// peak() reads it, finish() gives both.
class PeakRssMeter {
 public:
  void start();
  std::optional<int64_t> peak() const { return peak_rss_bytes(); }
  RssPeak finish() const;
  int64_t base() const { return base_; }
  bool reset() const { return reset_; }

 private:
  bool reset_ = false;
  int64_t base_ = 0;
};

}  // namespace atrous
