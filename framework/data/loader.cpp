#include "data/loader.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/seeding.hpp"

namespace atrous {

Loader::Loader(std::shared_ptr<const Dataset> dataset, Split split, TransformConfig transforms, LoaderOptions options)
    : dataset_(std::move(dataset)), split_(split), transforms_(std::move(transforms)), options_(options) {
  check(dataset_ != nullptr, "Loader: no dataset");
  if (options_.batch_size < 1)
    throw Error(fmt::format("batch size must be >= 1, got {}", options_.batch_size), Error::Kind::usage);
  check(options_.prefetch >= 0, "Loader: prefetch must be >= 0, got {}", options_.prefetch);
  check(options_.shards >= 1 && options_.shard >= 0 && options_.shard < options_.shards,
        "Loader: shard {} of {} does not exist", options_.shard, options_.shards);
  if (options_.batch_size < options_.shards)
    throw Error(fmt::format("a batch of {} cannot be shared by {} data-parallel processes: each needs at least one "
                            "sample (train.batch_size is the global batch)",
                            options_.batch_size, options_.shards),
                Error::Kind::usage);
  if (batches_per_epoch() == 0)
    throw Error(fmt::format("the {} split of dataset '{}' has {} images: no {}batch of {} can be made", to_string(split_),
                            dataset_->type(), dataset_->size(split_), options_.drop_last ? "full " : "",
                            options_.batch_size),
                Error::Kind::usage);
}

Loader::~Loader() { stop_worker(); }

int64_t Loader::batches_per_epoch() const {
  const int64_t n = dataset_->size(split_), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> Loader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(dataset_->size(split_)));
  std::iota(order.begin(), order.end(), 0);
  if (!options_.shuffle) return order;
  // Fisher-Yates with our own generator: std::shuffle's algorithm is not specified.
  Rng rng(mix_seed({options_.seed, seed_tag(SeedTag::shuffle), static_cast<uint64_t>(epoch)}));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

void Loader::advance(int64_t& epoch, int64_t& index) const {
  if (++index >= batches_per_epoch()) {
    index = 0;
    ++epoch;
  }
}

Loader::Data Loader::compute(int64_t epoch, int64_t index) const {
  check(epoch >= 0 && index >= 0 && index < batches_per_epoch(), "Loader: no batch {} in epoch {} ({} per epoch)",
        index, epoch, batches_per_epoch());
  const std::vector<int64_t> order = epoch_order(epoch);
  const int64_t batch_first = index * options_.batch_size;
  const int64_t batch_last = std::min<int64_t>(batch_first + options_.batch_size, static_cast<int64_t>(order.size()));
  const int64_t global = batch_last - batch_first;
  const int64_t first = batch_first + global * options_.shard / options_.shards;
  const int64_t last = batch_first + global * (options_.shard + 1) / options_.shards;
  if (first == last)
    throw Error(fmt::format("batch {} of epoch {} has {} samples for {} data-parallel processes; each needs at least "
                            "one (use a larger train.batch_size or fewer processes)",
                            index, epoch, global, options_.shards),
                Error::Kind::usage);
  const Augment& augment = transforms_.augment;
  std::optional<double> batch_scale;
  if (augment.scale_per_batch()) {
    Rng rng(mix_seed({options_.seed, seed_tag(SeedTag::batch_scale), static_cast<uint64_t>(epoch),
                      static_cast<uint64_t>(index)}));
    batch_scale = augment.draw_scale(rng);
  }
  Data d;
  d.global_size = global;
  d.epoch = epoch;
  d.index = index;
  for (int64_t k = first; k < last; ++k) {
    const int64_t i = order[static_cast<size_t>(k)];
    // Seeded by the dataset index, not the position: a sample's augmentation in an
    // epoch does not depend on the batch size.
    Rng rng(mix_seed({options_.seed, seed_tag(SeedTag::augment), static_cast<uint64_t>(epoch), static_cast<uint64_t>(i)}));
    Sample s = apply_transforms(dataset_->get(split_, i), transforms_, rng, batch_scale);
    if (d.indices.empty()) {
      d.dims = {last - first, s.channels, s.height, s.width};
      d.images.reserve(static_cast<size_t>(product(d.dims)));
      d.labels.reserve(static_cast<size_t>((last - first) * s.height * s.width));
    } else if (s.channels != d.dims[1] || s.height != d.dims[2] || s.width != d.dims[3]) {
      throw Error(fmt::format("batch {} of epoch {} mixes image shapes: {} image {} is {}×{}×{}, image {} is {}×{}×{}; "
                              "set augment.crop, or use batch size 1",
                              index, epoch, to_string(split_), d.indices.front(), d.dims[1], d.dims[2], d.dims[3], i,
                              s.channels, s.height, s.width),
                  Error::Kind::usage);
    }
    d.images.insert(d.images.end(), s.image.begin(), s.image.end());
    d.labels.insert(d.labels.end(), s.mask.begin(), s.mask.end());
    d.indices.push_back(i);
  }
  return d;
}

Batch Loader::to_batch(Data d) {
  Batch b;
  b.images = Tensor::plain(d.dims);
  std::memcpy(b.images.data(), d.images.data(), d.images.size() * sizeof(float));
  b.labels = std::move(d.labels);
  b.indices = std::move(d.indices);
  b.global_size = d.global_size;
  b.epoch = d.epoch;
  b.index = d.index;
  return b;
}

Batch Loader::make_batch(int64_t epoch, int64_t index) const { return to_batch(compute(epoch, index)); }

void Loader::seek(int64_t epoch, int64_t index) {
  check(epoch >= 0 && index >= 0 && index < batches_per_epoch(), "Loader::seek: no batch {} in epoch {} ({} per epoch)",
        index, epoch, batches_per_epoch());
  stop_worker();
  epoch_ = epoch;
  index_ = index;
}

Batch Loader::next() {
  if (options_.prefetch == 0) {
    Data d = compute(epoch_, index_);
    advance(epoch_, index_);
    return to_batch(std::move(d));
  }
  if (!worker_.joinable()) start_worker();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || failure_; });
  if (queue_.empty()) std::rethrow_exception(failure_);  // every later call fails the same way
  Data d = std::move(queue_.front());
  queue_.pop_front();
  lock.unlock();
  changed_.notify_all();
  advance(epoch_, index_);
  return to_batch(std::move(d));
}

void Loader::start_worker() {
  stop_ = false;
  failure_ = nullptr;
  queue_.clear();
  worker_ = std::thread([this, e = epoch_, i = index_] { work(e, i); });
}

void Loader::stop_worker() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();  // waits at most for the batch being computed
  queue_.clear();
  failure_ = nullptr;
}

void Loader::work(int64_t epoch, int64_t index) {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || static_cast<int64_t>(queue_.size()) < options_.prefetch; });
      if (stop_) return;
    }
    try {
      Data d = compute(epoch, index);
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
        queue_.push_back(std::move(d));
      }
    } catch (...) {
      {
        std::lock_guard lock(mutex_);
        failure_ = std::current_exception();
      }
      changed_.notify_all();
      return;
    }
    changed_.notify_all();
    advance(epoch, index);
  }
}

}  // namespace atrous
