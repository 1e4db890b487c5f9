// detail/failure_counter.hpp — suture's decaying failure counter (pure).
//
// One counter per supervisor, shared by all its children (as in suture, kept
// on purpose: a flapping child also slows its siblings' restarts, which is
// what protects the rest of the system). On each failure at `now`:
//   failures = failures * 0.5 ^ ((now - last) / half_life) + 1
// (exactly 1 for the very first failure), then last = now. reset() is called
// when a backoff pause ends: the count goes to 0, the last-failure time is
// kept (as suture does; it cannot change the next value, which is then 1).
#pragma once

#include <chrono>

namespace supervise::detail {

class failure_counter {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Adds one failure at `now` and returns the new count.
  double add(time_point now, std::chrono::nanoseconds half_life);

  /// The count as of the last failure (no decay applied since).
  double value() const noexcept { return failures_; }

  /// The count decayed to `now` (what a snapshot shows); changes nothing.
  double value_at(time_point now, std::chrono::nanoseconds half_life) const;

  /// After a backoff pause: count 0, last-failure time kept.
  void reset() noexcept { failures_ = 0; }

private:
  double failures_ = 0;
  time_point last_{};
  bool seen_ = false;
};

} // namespace supervise::detail
