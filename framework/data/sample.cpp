#include "data/sample.hpp"

#include "core/error.hpp"

namespace atrous {

std::string to_string(Split split) { return split == Split::train ? "train" : "val"; }

Split parse_split(const std::string& name) {
  if (name == "train") return Split::train;
  if (name == "val" || name == "validation") return Split::val;
  throw Error(fmt::format("unknown split '{}' (expected train or val)", name), Error::Kind::usage);
}

}  // namespace atrous
