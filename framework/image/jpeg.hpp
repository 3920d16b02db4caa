#pragma once
// JPEG files through libjpeg(-turbo): images of the folder dataset (VOC ships
// JPEGs). Writing exists for tests and for users building a folder dataset.
#include <string>

#include "image/image.hpp"

namespace atrous {

// 1-channel grey or 3-channel RGB (other colour spaces are converted to RGB).
Image read_jpeg(const std::string& path);
// Writes a 1- or 3-channel image; quality in [1, 100].
void write_jpeg(const std::string& path, const Image& image, int quality = 95);

}  // namespace atrous
