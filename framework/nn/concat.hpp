#pragma once
// Concatenation of one or more inputs of equal height and width along channels.
#include "nn/attrs.hpp"
#include "nn/merge.hpp"

namespace atrous {

// Concat's backward: copies consecutive channel slices of `whole` into `parts`
// (each in its own layout). A slice of a blocked layout (nChw16c) is a valid view
// only when it starts on a block boundary; otherwise all slices are taken from a
// plain copy of `whole`, made once per call.
class ChannelSlicer {
 public:
  ChannelSlicer(const std::vector<Dims>& parts, const md_t& whole);
  // Null parts are skipped.
  void operator()(const Tensor& whole, const std::vector<Tensor*>& parts);
  bool via_plain() const { return source_ != whole_; }
  // The other way (concat's forward in pieces): copies `part` into its slice of
  // `whole`. Only when the slices are views of `whole` itself (!via_plain()).
  void write(size_t i, const Tensor& part, Tensor& whole);

 private:
  md_t whole_, source_;      // the expected layout of `whole`, and the one sliced
  std::vector<md_t> views_;  // per part: its channel slice of source_
  Tensor buf_;
  CachedReorder to_source_;
  std::vector<CachedReorder> to_part_, from_part_;
};

class Concat : public MergeLayer {
 public:
  explicit Concat(const Attrs&) {}
  std::string type() const override { return "concat"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // Backward reads neither its inputs' values nor its output's (memory plan).
  bool backward_reads_input(size_t) const override { return false; }
  bool backward_reads_output() const override { return false; }
  bool assembles_inputs() const override { return true; }
};

}  // namespace atrous
