#pragma once
// What a run's predictions look like: image | ground truth | prediction side by
// side (masks in the VOC palette), magnified for eyes.
#include <cstdint>
#include <vector>

#include "data/sample.hpp"
#include "data/transforms.hpp"
#include "image/image.hpp"

namespace atrous {

// `sample` is normalised (as the network saw it); `prediction` holds H×W labels.
Image prediction_panel(const Sample& sample, const std::vector<uint8_t>& prediction, const Normalize& normalize,
                       int64_t zoom = 2);

}  // namespace atrous
