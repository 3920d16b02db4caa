#include "train/gradient_allreduce.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace atrous {

GradientAllreduce::GradientAllreduce(Collective& comm, const std::vector<NamedParam>& params, int64_t bucket_bytes)
    : comm_(comm), bucket_floats_(std::max<int64_t>(1, bucket_bytes / static_cast<int64_t>(sizeof(float)))) {
  int64_t pending = 0;
  for (const auto& np : params) {
    Param* p = np.param;
    if (!p->trainable() || p->frozen) continue;  // the optimizer skips them too: same set on every rank
    params_.push_back(p);
    const auto n = static_cast<int64_t>(p->grad.size());
    bytes_ += n * static_cast<int64_t>(sizeof(float));
    if (n >= bucket_floats_) {
      ++calls_;
    } else {
      if (pending + n > bucket_floats_) {
        ++calls_;
        pending = 0;
      }
      pending += n;
    }
  }
  if (pending > 0) ++calls_;
}

void GradientAllreduce::run() {
  const auto started = std::chrono::steady_clock::now();
  bucket_.resize(static_cast<size_t>(bucket_floats_));
  std::vector<Param*> packed;  // the parameters whose gradients are in the bucket, in order
  int64_t used = 0;
  auto flush = [&] {
    if (packed.empty()) return;
    comm_.allreduce_sum(std::span<float>(bucket_.data(), static_cast<size_t>(used)));
    int64_t offset = 0;
    for (Param* p : packed) {
      std::memcpy(p->grad.data(), bucket_.data() + offset, p->grad.size() * sizeof(float));
      offset += static_cast<int64_t>(p->grad.size());
    }
    packed.clear();
    used = 0;
  };
  for (Param* p : params_) {
    const auto n = static_cast<int64_t>(p->grad.size());
    if (n >= bucket_floats_) {
      comm_.allreduce_sum(std::span<float>(p->grad));
      continue;
    }
    if (used + n > bucket_floats_) flush();
    std::memcpy(bucket_.data() + used, p->grad.data(), static_cast<size_t>(n) * sizeof(float));
    packed.push_back(p);
    used += n;
  }
  flush();
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace atrous
