#include "train/evaluate.hpp"

#include <cmath>

#include "data/loader.hpp"
#include "image/resize.hpp"

namespace atrous {

namespace {

// Mirrors every row of a plain N×C×H×W buffer in place.
void mirror(std::vector<float>& v, int64_t planes, int64_t h, int64_t w) {
  for (int64_t p = 0; p < planes * h; ++p) {
    float* row = v.data() + p * w;
    std::reverse(row, row + w);
  }
}

// Resizes each of the n samples of a plain n×c×h×w buffer to oh×ow.
std::vector<float> resize_batch(const std::vector<float>& v, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh,
                                int64_t ow) {
  if (oh == h && ow == w) return v;
  std::vector<float> out;
  out.reserve(static_cast<size_t>(n * c * oh * ow));
  const auto sample = static_cast<size_t>(c * h * w);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<float> one(v.begin() + static_cast<std::ptrdiff_t>(i * sample),
                           v.begin() + static_cast<std::ptrdiff_t>((i + 1) * sample));
    const auto r = resize_bilinear(one, c, h, w, oh, ow);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

}  // namespace

Tensor infer_logits(Graph& graph, const Tensor& images, const EvalPasses& passes) {
  if (passes.single()) {
    const Tensor& logits = graph.forward(images, /*training=*/false);
    return Tensor::from_plain(logits.dims(), logits.to_vector());
  }
  const Dims d = images.dims();
  const int64_t n = d[0], c = d[1], h = d[2], w = d[3];
  const std::vector<float> input = images.to_vector();
  std::vector<float> sum;
  int64_t k = 0, count = 0;
  for (double s : passes.scales) {
    const int64_t sh = std::max<int64_t>(1, std::llround(static_cast<double>(h) * s));
    const int64_t sw = std::max<int64_t>(1, std::llround(static_cast<double>(w) * s));
    const std::vector<float> scaled = resize_batch(input, n, c, h, w, sh, sw);
    for (int flip = 0; flip <= (passes.flip ? 1 : 0); ++flip) {
      std::vector<float> x = scaled;
      if (flip) mirror(x, n * c, sh, sw);
      const Tensor& out = graph.forward(Tensor::from_plain({n, c, sh, sw}, x), /*training=*/false);
      const Dims od = out.dims();
      k = od[1];
      std::vector<float> logits = out.to_vector();
      if (flip) mirror(logits, n * k, od[2], od[3]);
      logits = resize_batch(logits, n, k, od[2], od[3], h, w);
      if (sum.empty()) sum.assign(logits.size(), 0.0f);
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += logits[i];
      ++count;
    }
  }
  for (float& v : sum) v /= static_cast<float>(count);
  return Tensor::from_plain({n, k, h, w}, sum);
}

Metrics evaluate_split(Graph& graph, const DataConfig& data, Split split, const EvalSettings& settings) {
  LoaderOptions lo;
  lo.batch_size = settings.batch_size;
  lo.shuffle = false;
  Loader loader(data.dataset, split, data.val, lo);
  EvalOptions eo;
  eo.num_classes = static_cast<int>(data.dataset->classes());
  eo.ignore_label = ignore_label_of(*data.dataset);
  // Audio: the likelihood is the measure, and a boundary of a 1×T label row is meaningless.
  eo.likelihood = data.dataset->is_sequence();
  eo.per_class = !data.dataset->is_sequence();
  eo.boundary = settings.boundary && !data.dataset->is_sequence();
  eo.boundary_band = static_cast<int>(settings.boundary_band);
  Evaluator evaluator(eo);
  for (int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
    const Batch batch = loader.next();
    evaluator.add(infer_logits(graph, batch.images, settings.passes), batch.labels);
  }
  return evaluator.metrics();
}

}  // namespace atrous
