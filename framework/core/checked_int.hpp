#pragma once
// CheckedInt: int64 arithmetic that remembers an overflow instead of wrapping.
//
// Sizes, element counts and parameter counts come from user input (model files,
// --input): a wrapped product would turn an impossible model into a small one.
// Formulas keep their shape — (CheckedInt(in) + 2 * p - d * (k - 1) - 1) / s + 1 —
// and the caller asks ok() once at the end and says which layer or option overflowed.
#include <cstdint>
#include <vector>

namespace atrous {

class CheckedInt {
 public:
  constexpr CheckedInt(int64_t v) : v_(v) {}  // NOLINT: implicit, so that formulas read naturally

  constexpr bool ok() const { return ok_; }
  // The value; meaningless when !ok().
  constexpr int64_t value() const { return v_; }

  friend constexpr CheckedInt operator+(CheckedInt a, CheckedInt b) {
    CheckedInt r(0);
    r.ok_ = a.ok_ && b.ok_ && !__builtin_add_overflow(a.v_, b.v_, &r.v_);
    return r;
  }
  friend constexpr CheckedInt operator-(CheckedInt a, CheckedInt b) {
    CheckedInt r(0);
    r.ok_ = a.ok_ && b.ok_ && !__builtin_sub_overflow(a.v_, b.v_, &r.v_);
    return r;
  }
  friend constexpr CheckedInt operator*(CheckedInt a, CheckedInt b) {
    CheckedInt r(0);
    r.ok_ = a.ok_ && b.ok_ && !__builtin_mul_overflow(a.v_, b.v_, &r.v_);
    return r;
  }
  // Truncating division, as int64's; division by zero and INT64_MIN / -1 count as overflow.
  friend constexpr CheckedInt operator/(CheckedInt a, CheckedInt b) {
    CheckedInt r(0);
    r.ok_ = a.ok_ && b.ok_ && b.v_ != 0 && !(a.v_ == INT64_MIN && b.v_ == -1);
    if (r.ok_) r.v_ = a.v_ / b.v_;
    return r;
  }
  CheckedInt& operator+=(CheckedInt b) { return *this = *this + b; }
  CheckedInt& operator*=(CheckedInt b) { return *this = *this * b; }

 private:
  int64_t v_ = 0;
  bool ok_ = true;
};

// The product of the values (1 for none), checked.
inline CheckedInt checked_product(const std::vector<int64_t>& values) {
  CheckedInt p(1);
  for (int64_t v : values) p *= v;
  return p;
}

}  // namespace atrous
