#pragma once
// Places objects on a label canvas in painter's order with bounded occlusion:
// an object is accepted only if afterwards every object still shows at least
// (1 - max_hidden) of its own pixels. Used by the synthetic scene datasets.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace atrous {

// An object's silhouette: a height×width byte mask (non-zero = covered) whose
// top-left pixel sits at (top, left) of the canvas; it may stick out of the canvas.
struct Silhouette {
  int64_t top = 0, left = 0, height = 0, width = 0;
  std::vector<uint8_t> mask;
  bool covers(int64_t y, int64_t x) const {  // canvas coordinates
    const int64_t r = y - top, c = x - left;
    return r >= 0 && c >= 0 && r < height && c < width && mask[static_cast<size_t>(r * width + c)] != 0;
  }
};

class Compositor {
 public:
  Compositor(int64_t height, int64_t width);
  // Paints `shape` with `label` on top of the objects so far, if occlusion stays
  // within max_hidden (0: objects may not touch). With `halo`, the 8-connected ring
  // of pixels around the new object is cleared to background on earlier objects,
  // so that two objects of identical appearance keep a visible border.
  // Returns false (and changes nothing) when the object would be rejected or
  // would have no pixel on the canvas.
  bool try_add(const Silhouette& shape, uint8_t label, double max_hidden, bool halo);

  const std::vector<uint8_t>& labels() const { return labels_; }
  // Index (in acceptance order) of the object showing at each pixel, -1 for background.
  const std::vector<int32_t>& owners() const { return owners_; }
  int64_t objects() const { return static_cast<int64_t>(area_.size()); }

 private:
  int64_t height_, width_;
  std::vector<uint8_t> labels_;
  std::vector<int32_t> owners_;
  std::vector<int64_t> area_, visible_;
};

}  // namespace atrous
