// supervise/renamed_field.hpp — the type of a setting kept for one release
// under the name it had before it was renamed.
//
// spec::timeout (now spec::stop_timeout) and spec::pass_through_exceptions
// (now spec::propagate_exceptions) are renamed_fields, declared
// [[deprecated]]: code written for the old plain fields still compiles, with
// a deprecation warning, and behaves as before:
//
//   sp.timeout = std::chrono::seconds(3);    // assigns, and wins
//   std::chrono::nanoseconds t = sp.timeout; // reads
//
// A value assigned through the old name takes precedence over the new field
// (spec::effective_stop_timeout(), spec::effective_propagate_exceptions()).
// Unassigned, it reads as its default, or as the value the library shadowed
// into it (see shadow()).
#pragma once

#include <type_traits>
#include <utility>

namespace supervise {

/// A setting under its old name: reads as a T, and records whether a value
/// was assigned through it (see the top of this file).
template <class T>
class renamed_field {
public:
  /// Unassigned, reading as `initial`.
  explicit constexpr renamed_field(T initial) : value_(std::move(initial)) {}

  /// Copies the value and whether it was assigned.
  renamed_field(const renamed_field&) = default;
  /// Copies the value and whether it was assigned.
  renamed_field& operator=(const renamed_field&) = default;

  /// Assigns as to the old plain field; the value then overrides the new
  /// field. Accepts what converts to T (`std::chrono::seconds(3)` for a
  /// nanoseconds field).
  template <class U, std::enable_if_t<!std::is_same_v<std::decay_t<U>, renamed_field>
                                        && std::is_convertible_v<U&&, T>,
                                      int> = 0>
  renamed_field& operator=(U&& x) {
    value_ = static_cast<T>(std::forward<U>(x));
    assigned_ = true;
    return *this;
  }

  /// Reads as the old plain field did.
  operator T() const { return value_; }
  /// The value reading this name gives.
  const T& value() const noexcept { return value_; }

  /// Whether a value was assigned through this name (and overrides the new
  /// field).
  bool assigned() const noexcept { return assigned_; }

  /// Sets what reading this name gives, without assigning it: the library
  /// keeps the old name readable with the resolved value. Clears assigned().
  void shadow(T x) {
    value_ = std::move(x);
    assigned_ = false;
  }

  /// Compares the value only, not assigned().
  friend bool operator==(const renamed_field& a, const T& b) { return a.value_ == b; }
  /// Not operator==.
  friend bool operator!=(const renamed_field& a, const T& b) { return !(a.value_ == b); }

private:
  T value_;
  bool assigned_ = false;
};

} // namespace supervise
