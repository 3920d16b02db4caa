#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "data/loader.hpp"
#include "data/shapes.hpp"
#include "data_test_support.hpp"

namespace atrous {
namespace {

using testing::contains;
using testing::finishes_within;
using testing::IndexDataset;

std::shared_ptr<const Dataset> shapes(int64_t count) {
  ShapesParams p;
  p.train.count = count;
  return std::make_shared<ShapesDataset>(p);
}

TransformConfig augmenting() {
  TransformConfig t;
  t.augment.scale_range = {{0.6, 1.6}};
  t.augment.crop = {{48, 48}};
  t.augment.flip = true;
  t.normalize.mean = {0.5};
  t.normalize.std = {0.25};
  return t;
}

void expect_same(const Batch& a, const Batch& b, const std::string& what) {
  EXPECT_EQ(a.epoch, b.epoch) << what;
  EXPECT_EQ(a.index, b.index) << what;
  EXPECT_EQ(a.indices, b.indices) << what;
  EXPECT_EQ(a.images.dims(), b.images.dims()) << what;
  EXPECT_EQ(a.images.to_vector(), b.images.to_vector()) << what;
  EXPECT_EQ(a.labels, b.labels) << what;
}

TEST(Loader, EpochOrderIsASeededPermutation) {
  auto ds = std::make_shared<IndexDataset>(50);
  LoaderOptions o;
  o.seed = 3;
  const Loader a(ds, Split::train, {}, o), b(ds, Split::train, {}, o);
  o.seed = 4;
  const Loader c(ds, Split::train, {}, o);
  for (int64_t e = 0; e < 3; ++e) {
    auto order = a.epoch_order(e);
    EXPECT_EQ(order, b.epoch_order(e));
    EXPECT_NE(order, c.epoch_order(e));
    EXPECT_NE(order, a.epoch_order(e + 1));
    std::sort(order.begin(), order.end());
    for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(order[size_t(i)], i);
  }
  o.shuffle = false;
  const Loader plain(ds, Split::train, {}, o);
  EXPECT_EQ(plain.epoch_order(5)[7], 7);
}

TEST(Loader, BatchesHoldTheSamplesOfTheOrder) {
  auto ds = std::make_shared<IndexDataset>(10, 3, 4);
  LoaderOptions o;
  o.batch_size = 4;
  o.prefetch = 0;
  Loader l(ds, Split::train, {}, o);
  EXPECT_EQ(l.batches_per_epoch(), 3);  // 4 + 4 + 2
  const auto order = l.epoch_order(0);
  for (int64_t b = 0; b < 3; ++b) {
    const Batch batch = l.next();
    EXPECT_EQ(batch.epoch, 0);
    EXPECT_EQ(batch.index, b);
    const int64_t n = b < 2 ? 4 : 2;
    ASSERT_EQ(batch.size(), n);
    EXPECT_EQ(batch.images.dims(), (Dims{n, 1, 3, 4}));
    const auto values = batch.images.to_vector();
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = order[size_t(b * 4 + k)];
      EXPECT_EQ(batch.indices[size_t(k)], i);
      // IndexDataset fills image i with the value i and its mask with i % 7.
      EXPECT_EQ(values[size_t(k * 12)], float(i));
      EXPECT_EQ(batch.labels[size_t(k * 12 + 11)], uint8_t(i % 7));
    }
  }
  EXPECT_EQ(l.next().epoch, 1);  // wraps into the next epoch
  o.drop_last = true;
  EXPECT_EQ(Loader(ds, Split::train, {}, o).batches_per_epoch(), 2);
}

TEST(Loader, SameOptionsSameBatchesAndResumableMidEpoch) {
  auto ds = shapes(40);
  LoaderOptions o;
  o.batch_size = 6;  // 7 batches per epoch, the last one of 4
  o.seed = 12;
  Loader reference(ds, Split::train, augmenting(), o);
  std::vector<Batch> run;
  for (int k = 0; k < 16; ++k) run.push_back(reference.next());  // into epoch 2
  EXPECT_EQ(run[7].epoch, 1);
  EXPECT_EQ(run[7].index, 0);

  // Resume at epoch 1, batch 3 in a fresh loader (as after a restart), with and without prefetch.
  for (int64_t prefetch : {0, 1, 3}) {
    o.prefetch = prefetch;
    Loader resumed(ds, Split::train, augmenting(), o);
    resumed.seek(1, 3);
    for (size_t k = 10; k < 16; ++k) expect_same(resumed.next(), run[k], "prefetch " + std::to_string(prefetch));
    // Seeking back mid-stream drops what was prefetched.
    resumed.seek(0, 2);
    expect_same(resumed.next(), run[2], "after seek back");
    expect_same(resumed.make_batch(2, 1), run[15], "make_batch");
  }
  // Augmentation really varies across epochs (the same image is not seen twice the same way).
  EXPECT_NE(run[0].images.to_vector(), run[7].images.to_vector());

  LoaderOptions other = o;
  other.seed = 13;
  Loader different(ds, Split::train, augmenting(), other);
  EXPECT_NE(different.next().images.to_vector(), run[0].images.to_vector());
}

TEST(Loader, PerBatchScaleGivesOneShapePerBatch) {
  auto ds = shapes(24);
  TransformConfig t;
  t.augment.scales = {0.5, 1.0, 1.5};  // no crop: one scale per batch
  LoaderOptions o;
  o.batch_size = 4;
  Loader l(ds, Split::train, t, o);
  std::set<int64_t> heights;
  for (int k = 0; k < 18; ++k) {
    const Batch b = l.next();
    const Dims d = b.images.dims();
    EXPECT_EQ(d[2], d[3]);
    heights.insert(d[2]);
    EXPECT_EQ(int64_t(b.labels.size()), d[0] * d[2] * d[3]);
  }
  EXPECT_EQ(heights, (std::set<int64_t>{32, 64, 96}));
}

TEST(Loader, MixedShapesWithoutCropAreAnError) {
  class Mixed : public IndexDataset {
   public:
    Mixed() : IndexDataset(4) {}
    Sample get(Split, int64_t index) const override { return Sample(1, 3 + index, 3); }
  };
  LoaderOptions o;
  o.batch_size = 2;
  o.shuffle = false;
  Loader l(std::make_shared<Mixed>(), Split::train, {}, o);
  try {
    l.next();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "mixes image shapes") && contains(e.what(), "crop")) << e.what();
  }
}

TEST(Loader, WorkerExceptionsReachTheConsumer) {
  auto ds = std::make_shared<IndexDataset>(12, 2, 2, /*throw_at=*/5);
  LoaderOptions o;
  o.batch_size = 2;
  o.shuffle = false;
  o.prefetch = 2;
  Loader l(ds, Split::train, {}, o);
  EXPECT_EQ(l.next().indices, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(l.next().indices, (std::vector<int64_t>{2, 3}));
  for (int attempt = 0; attempt < 2; ++attempt) {  // and again: the failure is sticky
    try {
      l.next();
      FAIL() << "expected the dataset's exception";
    } catch (const std::runtime_error& e) {
      EXPECT_TRUE(contains(e.what(), "sample 5 is broken")) << e.what();
    }
  }
  // A seek starts a fresh worker past the bad sample.
  l.seek(0, 3);
  EXPECT_EQ(l.next().indices, (std::vector<int64_t>{6, 7}));
}

TEST(Loader, EarlyDestructionDoesNotDeadlock) {
  auto slow = std::make_shared<IndexDataset>(64, 8, 8, -1, /*sleep_ms=*/5);
  LoaderOptions o;
  o.batch_size = 2;
  o.prefetch = 3;
  // Destroyed: before any next(); right after one (worker busy or blocked on a
  // full queue); after the queue has filled; after a seek.
  EXPECT_TRUE(finishes_within([slow, o] { Loader l(slow, Split::train, {}, o); }, 20));
  EXPECT_TRUE(finishes_within([slow, o] {
    Loader l(slow, Split::train, {}, o);
    l.next();
  }, 20));
  EXPECT_TRUE(finishes_within([slow, o] {
    Loader l(slow, Split::train, {}, o);
    l.next();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // queue full, worker waiting
  }, 20));
  EXPECT_TRUE(finishes_within([slow, o] {
    for (int k = 0; k < 20; ++k) {
      Loader l(slow, Split::train, {}, o);
      l.next();
      l.seek(1, 2);
      l.next();
    }
  }, 60));
}

TEST(Loader, EmptySplitIsAUsageError) {
  auto ds = std::make_shared<IndexDataset>(1);  // val has 0 images
  try {
    Loader l(ds, Split::val, {}, LoaderOptions{});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_TRUE(contains(e.what(), "val split")) << e.what();
  }
}

}  // namespace
}  // namespace atrous
