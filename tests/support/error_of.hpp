#pragma once
// The message of the atrous::Error a callable throws; a test failure (and "")
// when it throws none. The one helper for asserting error messages.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.hpp"

namespace atrous::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an atrous::Error";
  return "";
}

}  // namespace atrous::testing
