// supervise/event.hpp — what a supervisor reports to its event hook.
//
// Eight typed events: suture's five, child start, stop and healthy, and the
// supervisor giving up. Every event carries the same header: the supervisor's DN,
// the child's DN ("" for supervisor-level events), and the supervisor's
// failure counter and threshold at that moment (both 0 under a tree node,
// where per-node backoff applies instead).
//
// Events are built only when a hook is installed, and they hold string_views
// into the engine's own node names: nothing is formatted or allocated on the
// restart path unless the hook itself does it. The views are valid only for
// the duration of the hook call; copy what you keep.
//
// Hooks run on the supervisor actor's thread, one event at a time per
// supervisor; a hook shared by nested supervisors may run concurrently on
// several threads. A hook must not block. It may call any non-blocking
// supervisor API (add, remove, services, stop); blocking calls
// (remove_and_wait, wait) return errc::would_deadlock from inside a hook. A
// hook that throws is caught and logged; the supervisor keeps running.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <variant>

#include <caf/error.hpp>
#include <fmt/format.h>

#include "supervise/log.hpp"
#include "supervise/node_state.hpp"

namespace supervise {

/// The fields every event has.
struct event_header {
  std::string_view supervisor; ///< DN of the supervisor (the child's parent)
  std::string_view child;      ///< DN of the child; "" for supervisor events
  double failures = 0;         ///< the failure counter (after this failure)
  double threshold = 0;        ///< backoff starts when failures > threshold
};

/// A new incarnation of `child` was spawned.
struct child_started : event_header {
  uint64_t incarnation = 0; ///< 1 for the first start, +1 per restart
};

/// `child` ended without a failure: DONE (done, or do_not_restart) or
/// CANCELED (stopped by its supervisor, a removal or its group).
struct child_stopped : event_header {
  node_state state = node_state::canceled; ///< the state it ended in: DONE or CANCELED
  caf::error reason; ///< the exit reason (empty = normal)
  bool removed = false; ///< it left the supervisor for good
};

/// `child` failed: an error exit, an exception (errc::runnable_threw with
/// the what() text), or a normal return without signal(done).
struct child_failed : event_header {
  /// The exit reason; errc::returned_without_done (naming the DN) for a
  /// normal return without signal(done).
  caf::error reason;
  /// True when it restarts now (suture's Restarting).
  bool restarting = false;
  /// True when it restarts once the supervisor's backoff pause ends; both
  /// false: it is not restarted (its restart type, a stop, or the supervisor
  /// gives up: supervisor_gave_up follows).
  bool held_by_backoff = false;
};

/// The supervisor's failure counter exceeded its threshold: restarts pause
/// for `delay` (re-armed by every further failure above the threshold).
struct backoff_entered : event_header {
  /// Length of this pause: spec::failure_backoff lengthened by
  /// spec::backoff_jitter.
  std::chrono::nanoseconds delay{0};
};

/// The backoff ran out: the counter is reset and queued restarts run.
struct backoff_resumed : event_header {};

/// `child` did not stop within the supervisor's stop timeout. An event-based
/// child is then killed; a blocking one cannot be, nor an event-based one
/// whose handler never returns (still running 50 ms after its kill): both are
/// given up on and reported unstopped.
struct stop_timed_out : event_header {
  /// The time it was given: its own shutdown time (child_spec::shutdown),
  /// or stop_timeout (spec's or tree_options') when the overall stop timer
  /// ran out first.
  std::chrono::nanoseconds timeout{0};
};

/// An incarnation of `child` signalled healthy (signal_type::healthy).
struct child_healthy : event_header {
  uint64_t incarnation = 0; ///< as in child_started
};

/// The supervisor gives up: one more restart than its intensity allows
/// within its period. It stops its children in reverse order and ends with
/// errc::shutdown("reached_max_restart_intensity: <dn>").
struct supervisor_gave_up : event_header {
  size_t max_restarts = 0;           ///< spec::restart_intensity
  std::chrono::nanoseconds period{0}; ///< its window
  caf::error reason; ///< the failure that was one too many (of `child`)
};

/// Any of the eight events: what a hook receives.
using event = std::variant<child_started, child_stopped, child_failed, backoff_entered,
                           backoff_resumed, stop_timed_out, child_healthy, supervisor_gave_up>;

/// An event hook: spec::on_event, tree_options::on_event.
using event_hook = std::function<void(const event&)>;

/// The header of any event.
const event_header& header_of(const event& e) noexcept;

/// The log level the default hook uses for `e`.
log_level level_of(const event& e) noexcept;

/// The text of `e` without the supervisor prefix, e.g. "child api.db
/// started (incarnation 1)". The default hook logs it at the supervisor's DN.
std::string message_of(const event& e);

/// One line of text for `e`, e.g.
/// "api: child api.db failed (2.00 failures of 5.00, restarting): system::runtime_error".
std::string to_string(const event& e);

} // namespace supervise

namespace fmt {

/// Formats any of the eight events (and the `event` variant) as to_string().
template <class T>
struct formatter<T, char,
                 std::enable_if_t<std::is_base_of_v<supervise::event_header, T>
                                  || std::is_same_v<T, supervise::event>>>
  : formatter<std::string_view> {
  /// Writes to_string(x) with the string format specs applied.
  template <class FormatContext>
  auto format(const T& x, FormatContext& ctx) const {
    return formatter<std::string_view>::format(supervise::to_string(supervise::event{x}), ctx);
  }
};

/// Formats a node_state as to_string() does: "HEALTHY".
template <>
struct formatter<supervise::node_state> : formatter<std::string_view> {
  /// Writes to_string(x) with the string format specs applied.
  template <class FormatContext>
  auto format(supervise::node_state x, FormatContext& ctx) const {
    return formatter<std::string_view>::format(supervise::to_string(x), ctx);
  }
};

} // namespace fmt
