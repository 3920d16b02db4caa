#include "support/loss_reference.hpp"

#include <cmath>

namespace atrous::testing {

LossRefOutput segmentation_loss_reference(const LossRefInput& in) {
  const int64_t HW = in.h * in.w, C = in.c;
  const bool binary = C == 1;
  const int64_t K = binary ? 1 : C;  // Dice classes
  auto at = [&](int64_t n, int64_t c, int64_t i) { return static_cast<size_t>((n * C + c) * HW + i); };
  auto weight = [&](int y) { return in.class_weights.empty() ? 1.0 : static_cast<double>(in.class_weights[y]); };

  // Probabilities: softmax over channels, or sigmoid of the single channel (the
  // foreground probability; its "class" for Dice is label 1).
  std::vector<double> prob(in.logits.size());
  for (int64_t n = 0; n < in.n; ++n)
    for (int64_t i = 0; i < HW; ++i) {
      if (binary) {
        prob[at(n, 0, i)] = 1.0 / (1.0 + std::exp(-static_cast<double>(in.logits[at(n, 0, i)])));
        continue;
      }
      double z = 0;
      for (int64_t c = 0; c < C; ++c) z += std::exp(static_cast<double>(in.logits[at(n, c, i)]));
      for (int64_t c = 0; c < C; ++c) prob[at(n, c, i)] = std::exp(static_cast<double>(in.logits[at(n, c, i)])) / z;
    }

  LossRefOutput out;
  double sum_w = 0, sum_wl = 0;
  std::vector<double> inter(K, 0), psum(K, 0), ysum(K, 0);
  for (int64_t n = 0; n < in.n; ++n)
    for (int64_t i = 0; i < HW; ++i) {
      const int y = in.labels[static_cast<size_t>(n * HW + i)];
      if (y == in.ignore) continue;
      out.pixels++;
      sum_w += weight(y);
      if (binary) {
        const double p = prob[at(n, 0, i)];
        sum_wl += weight(y) * -(y * std::log(p) + (1 - y) * std::log(1 - p));
        inter[0] += p * y;
        psum[0] += p;
        ysum[0] += y;
      } else {
        sum_wl += weight(y) * -std::log(prob[at(n, y, i)]);
        for (int64_t c = 0; c < C; ++c) {
          psum[c] += prob[at(n, c, i)];
          if (c == y) {
            inter[c] += prob[at(n, c, i)];
            ysum[c] += 1;
          }
        }
      }
    }
  out.ce = sum_w > 0 ? sum_wl / sum_w : 0;
  std::vector<double> coef(K, 1), den(K, 0);
  if (out.pixels > 0) {
    double mean = 0;
    for (int64_t k = 0; k < K; ++k) {
      den[k] = psum[k] + ysum[k] + in.smooth;
      coef[k] = (2 * inter[k] + in.smooth) / den[k];
      mean += coef[k];
    }
    out.dice = 1 - mean / static_cast<double>(K);
  }
  out.total = in.ce_weight * out.ce + in.dice_weight * out.dice;

  // dtotal/dprob per pixel, then through the softmax / sigmoid Jacobian.
  out.grad.assign(in.logits.size(), 0.0);
  std::vector<double> dp(static_cast<size_t>(C));
  for (int64_t n = 0; n < in.n; ++n)
    for (int64_t i = 0; i < HW; ++i) {
      const int y = in.labels[static_cast<size_t>(n * HW + i)];
      if (y == in.ignore) continue;
      for (int64_t c = 0; c < C; ++c) {
        const double p = prob[at(n, c, i)];
        const double yc = binary ? y : (c == y ? 1.0 : 0.0);
        double d = 0;
        if (sum_w > 0) {
          // d(-w log p_y)/dp_c, or d(-w (y log p + (1-y) log(1-p)))/dp for binary.
          const double dnll = binary ? -(y / p) + (1 - y) / (1 - p) : (c == y ? -1.0 / p : 0.0);
          d += in.ce_weight * weight(y) * dnll / sum_w;
        }
        // d(1 - mean_k (2 I_k + s) / (P_k + Y_k + s))/dp_c
        d += -in.dice_weight / static_cast<double>(K) * (2 * yc * den[c] - (2 * inter[c] + in.smooth)) /
             (den[c] * den[c]);
        dp[static_cast<size_t>(c)] = d;
      }
      for (int64_t k = 0; k < C; ++k) {
        const double pk = prob[at(n, k, i)];
        double g = 0;
        if (binary) {
          g = dp[0] * pk * (1 - pk);
        } else {
          for (int64_t c = 0; c < C; ++c) {
            const double pc = prob[at(n, c, i)];
            g += dp[static_cast<size_t>(c)] * pc * ((c == k ? 1.0 : 0.0) - pk);
          }
        }
        out.grad[at(n, k, i)] = g;
      }
    }
  return out;
}

}  // namespace atrous::testing
