#pragma once
// Threads standing in for data-parallel processes: sums the vectors of `ranks`
// threads in place, each getting the total, like MPI_Allreduce(MPI_SUM).
#include <algorithm>
#include <barrier>
#include <mutex>
#include <span>
#include <vector>

namespace atrous::testing {

class ThreadAllreduce {
 public:
  explicit ThreadAllreduce(int ranks) : arrived_(ranks), copied_(ranks, Clear{&sum_}) {}
  void operator()(std::span<double> v) {
    {
      std::lock_guard lock(mutex_);
      if (sum_.empty()) sum_.assign(v.size(), 0.0);
      for (size_t i = 0; i < v.size(); ++i) sum_[i] += v[i];
    }
    arrived_.arrive_and_wait();
    std::copy(sum_.begin(), sum_.end(), v.begin());
    copied_.arrive_and_wait();  // the last to arrive clears the sum for the next call
  }

 private:
  struct Clear {
    std::vector<double>* sum;
    void operator()() noexcept { sum->clear(); }
  };
  std::mutex mutex_;
  std::vector<double> sum_;
  std::barrier<> arrived_;
  std::barrier<Clear> copied_;
};

}  // namespace atrous::testing
