// supervise/spec.hpp — how a supervisor behaves (suture v4's Spec).
//
// Every field has suture's default, as an ordinary C++ default member value:
// an explicit value is always honoured, zero included (suture's "zero means
// default" is not inherited: a zero backoff really means "resume at once").
// Durations are std::chrono types. validate() rejects what cannot work,
// naming every bad field and its value at once.
//
// Names shared with tree_options (tree.hpp) for the same setting:
// stop_timeout, propagate_exceptions, seed, on_state, on_event, sink. The
// names before the rename, timeout and pass_through_exceptions, still
// compile for one release as deprecated aliases (renamed_field.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <caf/error.hpp>

#include "supervise/event.hpp"
#include "supervise/log.hpp"
#include "supervise/node_state.hpp"
#include "supervise/observer.hpp"
#include "supervise/renamed_field.hpp"

namespace supervise {

/// Which children restart when one fails (OTP's strategies).
enum class strategy {
  /// Only that child (suture's only strategy).
  one_for_one,
  /// All children: the others are stopped in reverse start order, then all
  /// start again in order. Counts as one restart.
  one_for_all,
  /// The failed child and every child started after it, as one_for_all.
  rest_for_one,
  /// one_for_one for many alike, dynamic children: start_child may leave the
  /// id empty (one is made); children start in parallel, not one after the
  /// other (at most 1,024 started and not yet up at a time), and stop is
  /// parallel under one shared timeout instead of one child at a time.
  simple_one_for_one,
};

/// When significant children ending make the supervisor stop itself.
enum class auto_shutdown {
  never,           ///< significant children are refused
  any_significant, ///< when any significant child ended and is not restarted
  all_significant, ///< when no significant child is left running
};

/// OTP's restart intensity: more than `max_restarts` restarts within
/// `period` make the supervisor give up: it stops its children in reverse
/// order and exits with errc::shutdown ("reached_max_restart_intensity").
struct intensity {
  /// Restarts allowed within `period`; the next one gives up. 0: the first
  /// restart decision gives up.
  size_t max_restarts = 1;
  /// The sliding window the restarts are counted in. Must be > 0.
  std::chrono::nanoseconds period = std::chrono::seconds(5);
};

/// "one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one".
const char* to_string(strategy x) noexcept;
/// "never", "any_significant", "all_significant".
const char* to_string(auto_shutdown x) noexcept;

// The deprecated aliases below are members of class type: without this, every
// implicitly defined constructor and assignment of spec would warn wherever
// a spec is made or copied. Uses of the aliases in user code still warn.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/// How a supervisor behaves: suture's settings, OTP's strategy, intensity
/// and auto_shutdown, and the hooks (see the top of this file).
struct spec {
  /// Receives every event (event.hpp). Null: events of a nested supervisor
  /// go to the nearest ancestor's hook; at the top, the default hook logs
  /// failures, backoff, resume and stop timeouts through the child's (or
  /// supervisor's) logger, and nothing for start and normal stop.
  event_hook on_event;

  /// Half-life of the failure counter: it halves every `failure_decay`.
  /// Must be > 0.
  std::chrono::nanoseconds failure_decay = std::chrono::seconds(30);

  /// Restarts pause when the counter is strictly greater than this. Must be
  /// > 0 and not NaN; +infinity means "never back off".
  double failure_threshold = 5;

  /// Base length of a backoff pause. >= 0 (0: resume at once).
  std::chrono::nanoseconds failure_backoff = std::chrono::seconds(15);

  /// Jitter: each pause lasts failure_backoff * (1 + u * backoff_jitter), u
  /// uniform in [0, 1); the default 0.5 gives suture's [d, 1.5d). In [0, 1].
  /// Not named like tree_options::backoff.jitter on purpose: that one is
  /// another setting (a tree node's per-node backoff, spread both ways
  /// around its base: [b(1-r), b(1+r)]); this one only lengthens the
  /// supervisor's failure_backoff pause. A shared name would suggest one
  /// knob and one formula.
  double backoff_jitter = 0.5;

  /// How long a stopping or removed child may take before an event-based one
  /// is killed (exit_reason::kill) and a stop_timed_out event fires. A
  /// blocking child cannot be killed: it is reported unstopped, and stop
  /// returns on time anyway. >= 0 (0: kill at once). As
  /// tree_options::stop_timeout.
  std::chrono::nanoseconds stop_timeout = std::chrono::seconds(10);

  /// Rethrow exceptions from children instead of counting them as failures;
  /// the process terminates (suture's PassThroughPanics). As
  /// tree_options::propagate_exceptions.
  bool propagate_exceptions = false;

  /// The old name of stop_timeout, for one release. Assigned, it overrides
  /// stop_timeout (effective_stop_timeout()).
  [[deprecated("use stop_timeout")]] renamed_field<std::chrono::nanoseconds> timeout{
    std::chrono::seconds(10)};

  /// The old name of propagate_exceptions, for one release. Assigned, it
  /// overrides propagate_exceptions (effective_propagate_exceptions()).
  [[deprecated("use propagate_exceptions")]] renamed_field<bool> pass_through_exceptions{false};

  /// The stop timeout in force: `timeout` when assigned through that
  /// deprecated name, else stop_timeout. What the library reads.
  std::chrono::nanoseconds effective_stop_timeout() const {
    return timeout.assigned() ? timeout.value() : stop_timeout;
  }

  /// Whether exceptions propagate: `pass_through_exceptions` when assigned
  /// through that deprecated name, else propagate_exceptions. What the
  /// library reads.
  bool effective_propagate_exceptions() const {
    return pass_through_exceptions.assigned() ? pass_through_exceptions.value()
                                              : propagate_exceptions;
  }

  /// When a child exits with errc::terminate_tree, stop this supervisor but
  /// end with errc::do_not_restart towards its parent instead of passing the
  /// termination up.
  bool dont_propagate_termination = false;

  /// Which children restart together (default: one_for_one, as in suture).
  supervise::strategy strategy = supervise::strategy::one_for_one;

  /// Restart intensity; unset (the default): no limit, suture's decaying
  /// counter and backoff only. Both compose: every restart decision counts
  /// against the intensity window when it is made, even one a backoff pause
  /// then delays, so a storm escalates even while paused.
  std::optional<supervise::intensity> restart_intensity;

  /// Whether significant children ending stop this supervisor.
  supervise::auto_shutdown shutdown_when = supervise::auto_shutdown::never;

  /// Where log lines go; null: the parent's sink when hosted, else stderr.
  log_sink sink;

  /// Seed of the jitter generator (0 = random_device).
  uint64_t seed = 0;

  /// Called on every state change of every node under this supervisor, on
  /// its actor's thread. Must not block. For tests and metrics.
  std::function<void(const std::string& dn, node_state)> on_state;

  /// See every event and state change under this supervisor, nested
  /// supervisors included (observer.hpp); a hosted supervisor also reports
  /// to its host's observers. Null entries are refused by validate().
  observer_list observers;

  /// None when valid; else one errc::invalid_option naming every bad field
  /// and its value, durations in human units ("spec: failure_decay = 0s:
  /// must be > 0; stop_timeout = -1s: must be >= 0"). Bad: failure_decay <=
  /// 0, failure_threshold <= 0 or NaN, failure_backoff < 0, backoff_jitter
  /// outside [0, 1] or NaN, effective_stop_timeout() < 0 (named `timeout`
  /// when set through that name), restart_intensity with period <= 0
  /// (max_restarts 0 is valid, as in OTP: the first failure escalates).
  caf::error validate() const;
};

#pragma GCC diagnostic pop

} // namespace supervise
