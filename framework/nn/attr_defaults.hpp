#pragma once
// The defaults a layer applies, reported by the layer itself: every Attrs getter
// with a fallback (nn/attrs.hpp) that finds its key absent tells the recorder
// active on its thread which value it used. The defaults are thus written once,
// in the layers' constructors, and still listable (`atrous model resolve --full`).
#include <nlohmann/json.hpp>
#include <string>

namespace atrous {

// While alive, collects {key: effective value} of each default applied on this
// thread (pairs with equal halves as one integer, else [h, w]). Not nestable.
class AttrDefaultsRecorder {
 public:
  AttrDefaultsRecorder();
  ~AttrDefaultsRecorder();
  AttrDefaultsRecorder(const AttrDefaultsRecorder&) = delete;
  AttrDefaultsRecorder& operator=(const AttrDefaultsRecorder&) = delete;
  const nlohmann::json& defaults() const { return defaults_; }

  // Called by Attrs; does nothing when no recorder is active.
  static void record(const std::string& key, const nlohmann::json& value);

 private:
  nlohmann::json defaults_ = nlohmann::json::object();
};

// The attributes a layer of `type` runs with: `attrs` plus every default its
// constructor applied, so that the result builds the same layer without relying
// on any default. Errors as create_layer's (nn/registry.hpp).
nlohmann::json attributes_with_defaults(const std::string& type, const nlohmann::json& attrs,
                                        const std::string& what = "");

}  // namespace atrous
