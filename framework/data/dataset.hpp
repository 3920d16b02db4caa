#pragma once
// A dataset: labelled images of two splits, each image a pure function of the
// dataset's configuration, its split and its index. get() is const and
// thread-safe, so the loader's prefetch thread can call it while the trainer
// runs, and any subset can be produced lazily.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/sample.hpp"

namespace atrous {

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string type() const = 0;
  // Number of classes including background (class 0); labels are < classes() or kIgnoreLabel.
  virtual int64_t classes() const = 0;
  virtual std::vector<std::string> class_names() const = 0;
  virtual int64_t channels() const = 0;
  virtual int64_t size(Split split) const = 0;
  virtual Sample get(Split split, int64_t index) const = 0;
  // Every parameter with its default filled in (recorded with each run).
  virtual nlohmann::json params() const = 0;

  // Whether label kIgnoreLabel marks unannotated pixels. An audio dataset's 256
  // mu-law codes use every byte value, so there label 255 is class 255 and counts
  // in the loss, the metrics and the class statistics.
  virtual bool has_ignore_label() const { return true; }
  // Whether samples are 1x1xT sequences labelled with the next sample's class
  // (audio, data/audio_sample.hpp): evaluation then reports the likelihood in
  // bits per sample and no boundary F-score, and previews draw waveforms.
  virtual bool is_sequence() const { return false; }
  // Samples per second of a sequence dataset; 0 for images.
  virtual int64_t sample_rate() const { return 0; }
};

// The ignore label as the loss and the confusion matrix take it: kIgnoreLabel,
// or -1 (nothing ignored) for datasets without one.
inline int ignore_label_of(const Dataset& dataset) { return dataset.has_ignore_label() ? kIgnoreLabel : -1; }

}  // namespace atrous
