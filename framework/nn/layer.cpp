#include "nn/layer.hpp"

#include <fmt/format.h>

namespace atrous {

std::string Shape::str() const { return fmt::format("{}x{}x{}", c, h, w); }

}  // namespace atrous
