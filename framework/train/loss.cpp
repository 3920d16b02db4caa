#include "train/loss.hpp"

#include <algorithm>
#include <cmath>

#include "core/context.hpp"
#include "core/error.hpp"

namespace atrous {

namespace {

// Pixels per chunk. Fixed (not derived from the thread count) so that the order in
// which floating-point sums are formed never changes: chunks are independent work
// items and their partials are added serially in chunk order.
constexpr int64_t kChunk = 1024;

// Per-chunk partials: [sum w, sum w*nll, pixel count, bad label or -1], then for each
// Dice class k: intersection sum p*y, sum p, sum y.
constexpr int kFixed = 4;
enum { kSumW = 0, kSumWL = 1, kCount = 2, kBad = 3 };

struct Geometry {
  int64_t n = 0, c = 0, hw = 0;
  int64_t chunks_per_image = 0, chunks = 0;
  int64_t dice_classes = 0, stride = 0;  // partials per chunk
  // Chunk `k` covers pixels [begin, end) of image `image`.
  void chunk(int64_t k, int64_t& image, int64_t& begin, int64_t& end) const {
    image = k / chunks_per_image;
    begin = (k % chunks_per_image) * kChunk;
    end = std::min(begin + kChunk, hw);
  }
};

inline float sigmoid(float x) {
  if (x >= 0) return 1.f / (1.f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.f + e);
}

// Softmax pass over one chunk: accumulates the partials and, when `prob` is not
// null, stores the probabilities there (same NCHW indexing as x).
void softmax_chunk(const float* x, float* prob, const uint8_t* lab, int64_t len, const Geometry& g,
                   const LossConfig& cfg, double* part) {
  const int64_t C = g.c, HW = g.hw;
  float lse[kChunk], se[kChunk];
  int16_t y[kChunk];
  for (int64_t j = 0; j < len; ++j) lse[j] = x[j];
  for (int64_t c = 1; c < C; ++c)
    for (int64_t j = 0; j < len; ++j) lse[j] = std::max(lse[j], x[c * HW + j]);
  std::fill(se, se + len, 0.f);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t j = 0; j < len; ++j) {
      const float e = std::exp(x[c * HW + j] - lse[j]);
      se[j] += e;
      if (prob) prob[c * HW + j] = e;
    }
  for (int64_t j = 0; j < len; ++j) lse[j] += std::log(se[j]);  // log-sum-exp
  if (prob)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < len; ++j) prob[c * HW + j] /= se[j];

  double sum_w = 0, sum_wl = 0;
  int64_t count = 0;
  for (int64_t j = 0; j < len; ++j) {
    const int label = lab[j];
    y[j] = -1;
    if (label == cfg.ignore_index) continue;
    if (label >= C) {
      if (part[kBad] < 0) part[kBad] = label;
      continue;
    }
    y[j] = static_cast<int16_t>(label);
    const double w = cfg.class_weights.empty() ? 1.0 : cfg.class_weights[label];
    sum_w += w;
    sum_wl += w * (static_cast<double>(lse[j]) - x[label * HW + j]);
    ++count;
  }
  part[kSumW] += sum_w;
  part[kSumWL] += sum_wl;
  part[kCount] += static_cast<double>(count);
  double* inter = part + kFixed;
  double* psum = inter + C;
  double* ysum = psum + C;
  for (int64_t c = 0; c < C; ++c) {
    double ps = 0;
    for (int64_t j = 0; j < len; ++j) {
      if (y[j] < 0) continue;
      const float p = prob ? prob[c * HW + j] : std::exp(x[c * HW + j] - lse[j]);
      ps += p;
      if (y[j] == c) {
        inter[c] += p;
        ysum[c] += 1;
      }
    }
    psum[c] += ps;
  }
}

void sigmoid_chunk(const float* x, float* prob, const uint8_t* lab, int64_t len, const LossConfig& cfg, double* part) {
  double sum_w = 0, sum_wl = 0, inter = 0, psum = 0, ysum = 0;
  int64_t count = 0;
  for (int64_t j = 0; j < len; ++j) {
    const float p = sigmoid(x[j]);
    if (prob) prob[j] = p;
    const int label = lab[j];
    if (label == cfg.ignore_index) continue;
    if (label > 1) {
      if (part[kBad] < 0) part[kBad] = label;
      continue;
    }
    const double w = cfg.class_weights.empty() ? 1.0 : cfg.class_weights[label];
    // BCE with logits, stable form: max(x, 0) - x*y + log(1 + exp(-|x|)).
    const double xv = x[j];
    const double bce = std::max(xv, 0.0) - xv * label + std::log1p(std::exp(-std::abs(xv)));
    sum_w += w;
    sum_wl += w * bce;
    inter += p * label;
    psum += p;
    ysum += label;
    ++count;
  }
  part[kSumW] += sum_w;
  part[kSumWL] += sum_wl;
  part[kCount] += static_cast<double>(count);
  part[kFixed] += inter;
  part[kFixed + 1] += psum;
  part[kFixed + 2] += ysum;
}

// Dice coefficient of one class and its gradient coefficients: D = num / den, and
// dD/dp_i = (2 y_i - D) / den.
struct DiceClass {
  double coef = 1, inv_den = 0;
};

DiceClass dice_class(double inter, double psum, double ysum, double smooth) {
  const double den = psum + ysum + smooth;
  if (den <= 0) return {};  // no mass and no smoothing: treat as a perfect, constant match
  return {(2 * inter + smooth) / den, 1.0 / den};
}

void validate(const Tensor& logits, std::span<const uint8_t> labels, const LossConfig& cfg) {
  const Dims d = logits.dims();
  check(d.size() == 4, "segmentation loss: logits must be N x C x H x W, got {}", dims_str(d));
  check(d[1] >= 1, "segmentation loss: logits have no channels");
  const int64_t pixels = d[0] * d[2] * d[3];
  check(static_cast<int64_t>(labels.size()) == pixels,
        "segmentation loss: {} labels for logits {} ({} pixels expected)", labels.size(), dims_str(d), pixels);
  if (!cfg.class_weights.empty()) {
    const size_t want = d[1] == 1 ? 2 : static_cast<size_t>(d[1]);
    check(cfg.class_weights.size() == want, "segmentation loss: {} class weights given for {} classes{}",
          cfg.class_weights.size(), want, d[1] == 1 ? " (binary: weights of labels 0 and 1)" : "");
    for (size_t i = 0; i < want; ++i)
      check(cfg.class_weights[i] >= 0 && std::isfinite(cfg.class_weights[i]),
            "segmentation loss: class weight {} is {}, must be finite and non-negative", i, cfg.class_weights[i]);
  }
  check(cfg.dice_smooth >= 0, "segmentation loss: dice smooth must be non-negative, got {}", cfg.dice_smooth);
  check(std::isfinite(cfg.ce_weight) && std::isfinite(cfg.dice_weight),
        "segmentation loss: ce_weight and dice_weight must be finite");
}

}  // namespace

LossValue LossWorkspace::compute(const Tensor& logits, std::span<const uint8_t> labels, const LossConfig& cfg,
                                 Tensor* grad_logits) {
  validate(logits, labels, cfg);
  const Dims dims = logits.dims();
  Geometry g;
  g.n = dims[0];
  g.c = dims[1];
  g.hw = dims[2] * dims[3];
  g.chunks_per_image = (g.hw + kChunk - 1) / kChunk;
  g.chunks = g.n * g.chunks_per_image;
  const bool binary = g.c == 1;
  g.dice_classes = binary ? 1 : g.c;
  g.stride = kFixed + 3 * g.dice_classes;

  const float* x = logits.data();
  if (!is_plain(logits.desc())) {
    plain_.ensure(plain_desc(dims));
    reorder_(logits.memory(), plain_.memory());
    cpu_stream().wait();
    x = plain_.data();
  }
  float* grad = nullptr;
  if (grad_logits) {
    grad_logits->ensure(plain_desc(dims));
    grad = grad_logits->data();
  }

  // Pass 1: probabilities (into the gradient buffer) and per-chunk partials.
  partials_.assign(static_cast<size_t>(g.chunks * g.stride), 0.0);
  for (int64_t k = 0; k < g.chunks; ++k) partials_[k * g.stride + kBad] = -1;
  const uint8_t* lab = labels.data();
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < g.chunks; ++k) {
    int64_t image, begin, end;
    g.chunk(k, image, begin, end);
    const int64_t off = image * g.c * g.hw + begin;
    double* part = partials_.data() + k * g.stride;
    const uint8_t* l = lab + image * g.hw + begin;
    if (binary)
      sigmoid_chunk(x + off, grad ? grad + off : nullptr, l, end - begin, cfg, part);
    else
      softmax_chunk(x + off, grad ? grad + off : nullptr, l, end - begin, g, cfg, part);
  }

  // Totals of the partials, summed serially in chunk order.
  double sum_w = 0, sum_wl = 0;
  int64_t pixels = 0;
  const int64_t K = g.dice_classes;
  sums_.assign(static_cast<size_t>(3 * K), 0.0);  // intersection, sum p, sum y per Dice class
  for (int64_t k = 0; k < g.chunks; ++k) {
    const double* part = partials_.data() + k * g.stride;
    if (part[kBad] >= 0) {
      int64_t image, begin, end;
      g.chunk(k, image, begin, end);
      throw Error(
          fmt::format("segmentation loss: label {} in image {} of the batch is neither a class (0..{}) nor the ignore "
                      "label {}",
                      static_cast<int>(part[kBad]), image, binary ? 1 : g.c - 1, cfg.ignore_index));
    }
    sum_w += part[kSumW];
    sum_wl += part[kSumWL];
    pixels += static_cast<int64_t>(part[kCount]);
    for (int64_t i = 0; i < 3 * K; ++i) sums_[i] += part[kFixed + i];
  }
  if (cfg.reduce_totals) {
    // The weighted mean, the pixel count and the Dice sums of the global batch: the other
    // shards' ignored pixels make their counts differ, so a plain average would be wrong.
    std::vector<double> totals{sum_w, sum_wl, static_cast<double>(pixels)};
    totals.insert(totals.end(), sums_.begin(), sums_.end());
    cfg.reduce_totals(totals);
    sum_w = totals[0];
    sum_wl = totals[1];
    pixels = static_cast<int64_t>(totals[2]);
    std::copy(totals.begin() + 3, totals.end(), sums_.begin());
  }

  LossValue v;
  v.pixels = pixels;
  // All weights zero (or no pixel): the weighted mean is defined as 0, not NaN.
  v.ce = sum_w > 0 ? sum_wl / sum_w : 0.0;
  // Per Dice class, the gradient coefficients: d(1 - mean_k D_k)/dp_c(i) =
  // -(2 y_c(i) - D_c) / (K den_c) = -(b_c y_c(i) - a_c) / K.
  dice_a_.assign(static_cast<size_t>(K), 0.f);
  dice_b_.assign(static_cast<size_t>(K), 0.f);
  if (pixels > 0) {
    double mean = 0;
    for (int64_t c = 0; c < K; ++c) {
      const DiceClass d = dice_class(sums_[c], sums_[K + c], sums_[2 * K + c], cfg.dice_smooth);
      mean += d.coef;
      dice_a_[c] = static_cast<float>(d.coef * d.inv_den);
      dice_b_[c] = static_cast<float>(2 * d.inv_den);
    }
    v.dice = 1.0 - mean / static_cast<double>(K);
  }
  v.total = cfg.ce_weight * v.ce + cfg.dice_weight * v.dice;
  if (!grad) return v;

  // Pass 2: the gradient, in place over the probabilities.
  const float ce_scale = sum_w > 0 ? static_cast<float>(cfg.ce_weight / sum_w) : 0.f;
  const bool dice_on = pixels > 0 && cfg.dice_weight != 0;
  const float ds = static_cast<float>(cfg.dice_weight / static_cast<double>(K));
  const float* a = dice_a_.data();
  const float* b = dice_b_.data();
  auto weight = [&](int label) { return cfg.class_weights.empty() ? 1.f : cfg.class_weights[label]; };
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < g.chunks; ++k) {
    int64_t image, begin, end;
    g.chunk(k, image, begin, end);
    const int64_t len = end - begin, HW = g.hw, C = g.c;
    float* p = grad + image * C * HW + begin;
    const uint8_t* l = lab + image * HW + begin;
    if (binary) {
      for (int64_t j = 0; j < len; ++j) {
        if (l[j] == cfg.ignore_index) {
          p[j] = 0.f;
          continue;
        }
        const float y = static_cast<float>(l[j]), pj = p[j];
        float gj = ce_scale * weight(l[j]) * (pj - y);
        if (dice_on) gj += -ds * (b[0] * y - a[0]) * pj * (1.f - pj);
        p[j] = gj;
      }
      continue;
    }
    // s_j = sum_c p_c dDice/dp_c (up to -1/K): softmax backward needs it per pixel.
    float s[kChunk];
    if (dice_on) {
      for (int64_t j = 0; j < len; ++j) s[j] = l[j] == cfg.ignore_index ? 0.f : b[l[j]] * p[l[j] * HW + j];
      for (int64_t c = 0; c < C; ++c)
        for (int64_t j = 0; j < len; ++j) s[j] -= a[c] * p[c * HW + j];
    }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < len; ++j) {
        float& pc = p[c * HW + j];
        if (l[j] == cfg.ignore_index) {
          pc = 0.f;
          continue;
        }
        const float hit = l[j] == c ? 1.f : 0.f;
        float gc = ce_scale * weight(l[j]) * (pc - hit);
        // Softmax backward of the Dice term: p_c (g_c - sum_k p_k g_k).
        if (dice_on) gc += -ds * pc * (b[c] * hit - a[c] - s[j]);
        pc = gc;
      }
  }
  return v;
}

LossValue segmentation_loss(const Tensor& logits, std::span<const uint8_t> labels, const LossConfig& config,
                            Tensor* grad_logits) {
  thread_local LossWorkspace workspace;
  return workspace.compute(logits, labels, config, grad_logits);
}

}  // namespace atrous
