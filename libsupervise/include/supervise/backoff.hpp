// supervise/backoff.hpp — exponential backoff with jitter, a pure value type.
//
// The delay before a DEAD node restarts. Defaults follow Monogon (which uses
// cenkalti/backoff): 500 ms initial, x1.5, cap 60 s on the base interval,
// jitter uniform in [base*(1-r), base*(1+r)] with r = 0.5. Reset when an
// incarnation exits after it was healthy (or done) for at least min_uptime.
// No clock and no global RNG: the caller passes a uniform sample.
#pragma once

#include <chrono>

#include <caf/error.hpp>

namespace supervise {

/// Settings of a tree node's restart delay (tree_options::backoff).
struct backoff_options {
  /// Base interval of the first restart, and again after a reset. >= 0
  /// (0: a DEAD node restarts at once).
  std::chrono::nanoseconds initial = std::chrono::milliseconds(500);
  /// Factor the base interval grows by after each delay. Finite, >= 1.
  double multiplier = 1.5;
  /// Cap on the base interval; the jitter may still lengthen a delay to
  /// max_interval * (1 + jitter). >= initial.
  std::chrono::nanoseconds max_interval = std::chrono::seconds(60);
  /// Randomization factor r in [0, 1].
  double jitter = 0.5;
  /// How long an incarnation must stay healthy (or done) before its exit
  /// resets the backoff. A runnable that signals healthy as soon as it runs
  /// (a command, a server) and dies soon after still backs off further each
  /// time. 0: healthy resets at once (Monogon's rule).
  std::chrono::nanoseconds min_uptime = std::chrono::seconds(1);

  /// None when valid; else one errc::invalid_option naming every bad field
  /// (as tree_options::backoff's) and its value, durations in human units
  /// ("backoff.initial = -1ns: must be >= 0 (0: restart at once);
  /// backoff.jitter = 2: must be in [0, 1]"). Bad: initial < 0 (0 is honoured: a DEAD node restarts at once),
  /// multiplier < 1, infinite or NaN, max_interval < initial, jitter outside
  /// [0, 1] or NaN, min_uptime < 0.
  caf::error validate() const;
};

/// The delay sequence of one node: next() jitters the base interval and
/// grows it by `multiplier` up to `max_interval`; reset() starts over.
class backoff {
public:
  /// Starts at `opts.initial`. Takes `opts` as given: the caller validates.
  explicit backoff(backoff_options opts = {}) : opts_(opts), base_(opts.initial) {}

  /// The next delay; `uniform01` is a sample in [0, 1). Advances the base.
  std::chrono::nanoseconds next(double uniform01);

  /// Back to the initial interval (after min_uptime healthy or done).
  void reset() { base_ = opts_.initial; }

  /// The base interval the next call to next() will jitter.
  std::chrono::nanoseconds current_base() const { return base_; }

private:
  backoff_options opts_;
  std::chrono::nanoseconds base_;
};

} // namespace supervise
