// detail/restart_intensity.hpp — OTP's restart budget in O(1) (pure).
//
// "More than max_restarts restarts within period → give up." OTP keeps a
// list of whole-second timestamps and walks it on every restart; we keep the
// last max_restarts + 1 exact timestamps in a ring buffer: the budget is
// exceeded exactly when the oldest of them is still inside the window
// (now - oldest <= period, boundary included as in OTP). Exact durations, not
// whole seconds: OTP's effective window is period..period+1 s, ours is period.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

namespace supervise::detail {

class restart_intensity {
public:
  using time_point = std::chrono::steady_clock::time_point;

  restart_intensity(size_t max_restarts, std::chrono::nanoseconds period)
    : period_(period), ring_(max_restarts + 1) {}

  /// Records one restart at `now`; false when that makes more than
  /// max_restarts within period (the supervisor gives up).
  bool allow(time_point now) {
    ring_[next_] = now;
    next_ = (next_ + 1) % ring_.size();
    if (count_ < ring_.size())
      ++count_;
    if (count_ < ring_.size())
      return true;
    // Full: ring_[next_] is the oldest of the last max_restarts + 1.
    return now - ring_[next_] > period_;
  }

  size_t max_restarts() const noexcept { return ring_.size() - 1; }

  /// Restarts recorded within the window ending at `now` (what a snapshot
  /// shows); O(max_restarts), changes nothing.
  size_t in_window(time_point now) const {
    size_t n = 0;
    for (size_t i = 0; i < count_; ++i)
      if (now - ring_[i] <= period_)
        ++n;
    return n;
  }
  std::chrono::nanoseconds period() const noexcept { return period_; }

private:
  std::chrono::nanoseconds period_;
  std::vector<time_point> ring_;
  size_t next_ = 0;
  size_t count_ = 0;
};

} // namespace supervise::detail
