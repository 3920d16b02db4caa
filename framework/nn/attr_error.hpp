#pragma once
// AttrError: a layer's configuration is wrong, and the error says which key.
// Layers throw it from their constructors (through Attrs) and from bind(); the
// model loader reports it at the file:line:column of that key (model/build.cpp),
// so no error has to be recognised from its text. Used directly, without a model
// file, what() names the layer instead: "layer 'c1' (conv): 'out' must be positive".
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"

namespace atrous {

class AttrError : public Error {
 public:
  // `key`: the attribute at fault; "from" for the layer's inputs; empty for the
  // layer as a whole (e.g. an output too large). `layer` ("layer 'c1' (conv)")
  // prefixes what() when known.
  AttrError(std::string key, std::string message, std::string layer = "")
      : Error(layer.empty() ? message : layer + ": " + message, Kind::usage),
        key_(std::move(key)),
        message_(std::move(message)),
        layer_(std::move(layer)) {}

  const std::string& key() const { return key_; }
  // The message without the layer, for callers that name the layer themselves.
  const std::string& message() const { return message_; }
  const std::string& layer() const { return layer_; }
  // The same error about the named layer (the graph names the layer whose bind() threw).
  AttrError in_layer(const std::string& layer) const { return AttrError(key_, message_, layer); }

 private:
  std::string key_, message_, layer_;
};

// The input key: what a layer reports problems with its inputs under.
inline const std::string kInputsKey = "from";

// For bind(): throws AttrError(key) with the formatted message when `condition` is false.
template <typename... Args>
inline void check_attr(bool condition, const std::string& key, fmt::format_string<Args...> format,
                       Args&&... args) {
  if (!condition) throw AttrError(key, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace atrous
