#include "nn/attr_defaults.hpp"

#include "core/error.hpp"
#include "nn/registry.hpp"

namespace atrous {

namespace {
thread_local AttrDefaultsRecorder* active = nullptr;
}  // namespace

AttrDefaultsRecorder::AttrDefaultsRecorder() {
  check(active == nullptr, "AttrDefaultsRecorder: one is already recording on this thread");
  active = this;
}

AttrDefaultsRecorder::~AttrDefaultsRecorder() { active = nullptr; }

void AttrDefaultsRecorder::record(const std::string& key, const nlohmann::json& value) {
  if (active) active->defaults_[key] = value;
}

nlohmann::json attributes_with_defaults(const std::string& type, const nlohmann::json& attrs,
                                        const std::string& what) {
  AttrDefaultsRecorder recorder;
  create_layer(type, attrs, what);  // the constructor reads every attribute it uses
  nlohmann::json full = attrs.is_null() ? nlohmann::json::object() : attrs;
  for (const auto& [key, value] : recorder.defaults().items()) full[key] = value;
  return full;
}

}  // namespace atrous
