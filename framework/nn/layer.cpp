#include "nn/layer.hpp"

#include <fmt/format.h>

#include "core/checked_int.hpp"
#include "core/error.hpp"
#include "nn/attr_error.hpp"

namespace atrous {

std::string Shape::str() const { return fmt::format("{}x{}x{}", c, h, w); }

Param::Param(std::string n, Dims d, Role r, float fill) : name(std::move(n)), dims(std::move(d)), role(r), fill_(fill) {
  const CheckedInt count = checked_product(dims);
  if (!count.ok())
    throw Error(fmt::format("parameter '{}' of shape {} has more than 2^63 elements", name, dims_str(dims)),
                Error::Kind::usage);
  check(count.value() >= 0, "parameter '{}' has a negative dim: {}", name, dims_str(dims));
  count_ = static_cast<size_t>(count.value());
}

void Param::allocate() {
  if (value.size() != count_) value.assign(count_, fill_);
  if (grad.size() != count_) grad.assign(count_, 0.f);
}

std::string Layer::input_label(size_t i) const {
  return i < input_names_.size() ? "'" + input_names_[i] + "'" : fmt::format("#{}", i);
}

void Layer::expect_one_input(const std::vector<Shape>& inputs) const {
  check_attr(inputs.size() == 1, kInputsKey, "takes one input, got {}", inputs.size());
}

}  // namespace atrous
