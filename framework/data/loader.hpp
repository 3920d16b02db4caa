#pragma once
// Batches for training and evaluation. The order of an epoch is a shuffle that
// depends only on (seed, epoch), and the augmentation of a sample only on
// (seed, epoch, index), so batch b of epoch e is a pure function of the
// options: resuming at (e, b) reproduces exactly the batches an uninterrupted
// run would have seen. A background thread computes the next batches into a
// bounded queue; its exceptions reach the consumer at next().
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/tensor.hpp"
#include "data/dataset.hpp"
#include "data/transforms.hpp"

namespace atrous {

struct LoaderOptions {
  int64_t batch_size = 8;
  bool shuffle = true;
  bool drop_last = false;  // drop the last, smaller batch of an epoch
  uint64_t seed = 0;       // order and augmentation (the dataset's content has its own seed)
  int64_t prefetch = 2;    // batches computed ahead by a background thread; 0: computed in next()
  // Data-parallel training: process `shard` of `shards` gets the contiguous slice
  // [B*shard/shards, B*(shard+1)/shards) of every batch of B samples. Order and augmentation
  // are those of the whole batch, so the shards' union is exactly the one-process batch.
  int64_t shard = 0, shards = 1;
};

struct Batch {
  Tensor images;                 // N×C×H×W, plain f32, normalised
  std::vector<uint8_t> labels;   // N×H×W: class indices or kIgnoreLabel
  std::vector<int64_t> indices;  // dataset index of each sample
  int64_t global_size = 0;       // samples of the whole batch (all shards; = size() with one shard)
  int64_t epoch = 0;
  int64_t index = 0;             // position of the batch in its epoch
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> dataset, Split split, TransformConfig transforms, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t batches_per_epoch() const;
  // The dataset indices of an epoch, in the order they are served.
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  // Moves to batch `index` of `epoch` (to start, or to resume), dropping prefetched batches.
  void seek(int64_t epoch, int64_t index = 0);
  // The batch at the current position, then advances (after an epoch's last
  // batch comes batch 0 of the next epoch). Rethrows a failure of the prefetch thread.
  Batch next();
  // Computes the batch at (epoch, index) directly, without touching the stream.
  Batch make_batch(int64_t epoch, int64_t index) const;

  const Dataset& dataset() const { return *dataset_; }
  Split split() const { return split_; }
  const LoaderOptions& options() const { return options_; }

 private:
  struct Data {  // a batch before it becomes a Tensor (tensors are made on the consumer's thread)
    std::vector<float> images;
    Dims dims;
    std::vector<uint8_t> labels;
    std::vector<int64_t> indices;
    int64_t global_size = 0;
    int64_t epoch = 0, index = 0;
  };
  Data compute(int64_t epoch, int64_t index) const;
  static Batch to_batch(Data data);
  void advance(int64_t& epoch, int64_t& index) const;
  void start_worker();
  void stop_worker();
  void work(int64_t epoch, int64_t index);

  std::shared_ptr<const Dataset> dataset_;
  Split split_;
  TransformConfig transforms_;
  LoaderOptions options_;
  int64_t epoch_ = 0, index_ = 0;  // consumer position

  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Data> queue_;
  std::exception_ptr failure_;  // set by the worker; next() rethrows it once the queue is drained
  bool stop_ = false;
};

}  // namespace atrous
