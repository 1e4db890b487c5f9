// supervise/child_spec.hpp — how one child of a supervisor is run (OTP's
// child specification).
//
// A child_spec names the child, gives its runnable, and says when it is
// restarted (restart_type), how it is stopped (shutdown), what it is
// (worker or supervisor) and whether its end may stop its supervisor
// (significant, with spec::auto_shutdown). supervisor::start_child takes
// one; supervisor::add(name, runnable) is start_child with the defaults.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/error.hpp>

#include "supervise/runnable.hpp"

namespace supervise {

/// When a child that ended is restarted (OTP's restart key). Exit reasons
/// map as follows ("clean": normal, exit_reason::user_shutdown, errc::shutdown):
///
/// | child ends with              | permanent | transient  | temporary |
/// |------------------------------|-----------|------------|-----------|
/// | clean                        | restart   | kept, idle | removed   |
/// | any other error, kill too    | restart   | restart    | removed   |
/// | errc::do_not_restart         | removed   | removed    | removed   |
/// | normal after signal(done)    | kept, DONE| kept, DONE | removed   |
///
/// A restart is a failure (counted, reported, subject to strategy, backoff
/// and intensity); "kept, idle" leaves the spec for restart_child or
/// delete_child. A stop requested by the supervisor itself (stop,
/// terminate_child, a group restart) is never a failure.
enum class restart_type { permanent, transient, temporary };

/// worker or supervisor: the default shutdown and count_children use it.
enum class child_type { worker, supervisor };

/// How a child is stopped (OTP's shutdown key).
struct shutdown_spec {
  /// What follows the child's stop request: `brutal_kill`, killed
  /// (exit_reason::kill) at once; `timeout`, killed once `time` has passed;
  /// `infinity`, waited for without a limit (OTP's brutal_kill, timeout in
  /// ms, infinity). A blocking child cannot be killed: where a kill is due,
  /// it is reported unstopped instead.
  enum kind_t { brutal_kill, timeout, infinity };
  kind_t kind = timeout; ///< which of the three (with `time` 0 by default)
  /// For `timeout`: how long the child may take after its stop request
  /// before an event-based one is killed (a blocking one is reported).
  std::chrono::nanoseconds time{0};

  /// brutal_kill: no time to stop.
  static shutdown_spec kill_at_once() { return {brutal_kill, {}}; }
  /// timeout: up to `d` to stop, then killed.
  static shutdown_spec after(std::chrono::nanoseconds d) { return {timeout, d}; }
  /// infinity: no limit (the default of a child_type::supervisor child).
  static shutdown_spec wait_forever() { return {infinity, {}}; }
};

/// One child of a supervisor (OTP's child specification), for
/// supervisor::start_child() and supervisor::check_childspecs().
struct child_spec {
  /// Unique among the supervisor's children; 1..64 chars of [A-Za-z0-9_-].
  /// Empty under strategy::simple_one_for_one: an id "child-<n>" is made.
  std::string id;
  /// What every incarnation runs. Must not be empty (errc::empty_runnable).
  runnable start;
  /// When it is restarted after it ended (see restart_type).
  restart_type restart = restart_type::permanent;
  /// Unset: after(spec::stop_timeout) for a worker, wait_forever() for a
  /// supervisor (as in OTP).
  std::optional<shutdown_spec> shutdown;
  /// Decides the default `shutdown` and where count_children() counts it.
  child_type type = child_type::worker;
  /// Its end (not restarted) may stop the supervisor (spec::auto_shutdown).
  /// Invalid with permanent, and under auto_shutdown::never.
  bool significant = false;
  /// When the child counts as started ("up"): `started` once its
  /// initialisation returned (event-based: the behaviour factory; blocking:
  /// its thread runs), `healthy` once it signals healthy. A child that ends
  /// before it is up failed to start (errc::start_failed).
  enum class ready_t { started, healthy } ready = ready_t::started; ///< when it counts as up
  /// How long a start may take to be up before it is a start failure.
  std::chrono::nanoseconds start_timeout = std::chrono::seconds(5);
};

/// "permanent", "transient", "temporary".
const char* to_string(restart_type x) noexcept;
/// "worker", "supervisor".
const char* to_string(child_type x) noexcept;

} // namespace supervise
