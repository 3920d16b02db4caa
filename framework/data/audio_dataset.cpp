#include "data/audio_dataset.hpp"

#include "data/config_reader.hpp"

namespace atrous {

void read_crop_counts(const ConfigReader& r, int64_t& train_count, int64_t& val_count) {
  for (Split split : {Split::train, Split::val}) {
    const ConfigReader s = r.child(to_string(split));
    int64_t& count = split == Split::train ? train_count : val_count;
    count = s.get_int("count", count, 1, kMaxSplitImages);
    s.finish();
  }
}

}  // namespace atrous
