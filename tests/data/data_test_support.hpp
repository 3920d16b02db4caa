#pragma once
// Helpers of the data tests: temporary folders, tiny in-memory datasets whose
// samples are easy to recognise, and a timeout for code that could deadlock.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

#include "data/dataset.hpp"

#include "support/temp_dir.hpp"

namespace atrous::testing {


// Sample i: an h×w image whose every pixel holds i (one channel) and whose mask
// holds i % classes; optionally slow, and throwing at one index.
class IndexDataset : public Dataset {
 public:
  IndexDataset(int64_t count, int64_t h = 4, int64_t w = 5, int64_t throw_at = -1, int sleep_ms = 0)
      : count_(count), h_(h), w_(w), throw_at_(throw_at), sleep_ms_(sleep_ms) {}
  std::string type() const override { return "index"; }
  int64_t classes() const override { return 7; }
  std::vector<std::string> class_names() const override { return std::vector<std::string>(7, "c"); }
  int64_t channels() const override { return 1; }
  int64_t size(Split split) const override { return split == Split::train ? count_ : count_ / 2; }
  Sample get(Split, int64_t index) const override {
    if (sleep_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    if (index == throw_at_) throw std::runtime_error("sample " + std::to_string(index) + " is broken");
    Sample s(1, h_, w_);
    for (auto& v : s.image) v = static_cast<float>(index);
    for (auto& m : s.mask) m = static_cast<uint8_t>(index % 7);
    return s;
  }
  nlohmann::json params() const override { return {{"type", "index"}}; }

 private:
  int64_t count_, h_, w_, throw_at_;
  int sleep_ms_;
};

// Runs fn on a detached thread; false if it has not returned within `seconds`
// (a deadlock then fails the test instead of hanging the suite).
inline bool finishes_within(std::function<void()> fn, double seconds) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> f = done->get_future();
  std::thread([fn = std::move(fn), done] {
    try {
      fn();
    } catch (...) {
    }
    done->set_value();
  }).detach();
  return f.wait_for(std::chrono::duration<double>(seconds)) == std::future_status::ready;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace atrous::testing
