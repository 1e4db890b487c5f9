// supervise/actors/periodic.hpp — run a function every interval in the tree.
//
// The smallest useful runnable, and an example of writing one's own:
// `periodic(opts)` is an event-based runnable (no thread of its own) that
// signals healthy at start and then calls `opts.fn` on a CAF worker every
// `opts.interval` (a delayed_send to itself; the interval is counted from the
// end of the previous call, so calls never overlap). A call returning an
// error, or throwing, ends the node with that error (DEAD: restarted with
// backoff).
// Stop guarantee: a stop request ends the actor at once (CANCELED); no call
// is running then, because calls and the stop request are both messages to
// the same actor, and no call starts afterwards.
#pragma once

#include <chrono>
#include <functional>

#include <caf/error.hpp>

#include "supervise/context.hpp"
#include "supervise/runnable.hpp"

namespace supervise::actors {

/// What periodic() calls and how often; validate() checks it.
struct periodic_options {
  /// Time between the end of one call and the start of the next. Must be > 0.
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  /// Called on a CAF worker thread with the node's context (logger, DN). It
  /// must not block for long (it holds a worker). Required. Return an error
  /// to fail the node.
  std::function<caf::error(context&)> fn;
  /// Also call fn right at start instead of after the first interval.
  bool immediately = false;
};

/// Checks `opts`: interval <= 0 or an empty fn give errc::invalid_option
/// (supervise category) naming the bad value; none otherwise.
caf::error validate(const periodic_options& opts);

/// The runnable. Throws std::invalid_argument with validate()'s text.
runnable periodic(periodic_options opts);

/// Shorthand: periodic({interval, fn}).
runnable every(std::chrono::nanoseconds interval, std::function<caf::error(context&)> fn);

} // namespace supervise::actors
