#include "gen/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"

namespace atrous {

int64_t sample_class(std::span<const float> logits, double temperature, double u) {
  check(!logits.empty(), "sampling from no logits");
  check(temperature >= 0 && std::isfinite(temperature), "temperature {} must be finite and >= 0", temperature);
  const auto top = std::max_element(logits.begin(), logits.end());
  if (temperature == 0) return top - logits.begin();
  std::vector<double> cumulative(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    sum += std::exp((static_cast<double>(logits[i]) - *top) / temperature);
    cumulative[i] = sum;
  }
  const double target = u * sum;
  const size_t i = static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), target) -
                                       cumulative.begin());
  return static_cast<int64_t>(std::min(i, logits.size() - 1));  // u < 1, but rounding
}

}  // namespace atrous
