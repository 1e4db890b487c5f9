// supervise/supervisor.hpp — a suture-style supervisor on the tree engine.
//
// A `supervisor` owns a dynamic set of named services (runnables), restarts
// each one that fails on its own (one-for-one), and slows down with a
// decaying failure counter and a backoff pause (spec.hpp). It runs on the
// same engine as `tree`: a supervisor is one engine actor, each service a CAF
// actor it watches, and a service may itself run/run_group children.
//
// Two ways to run it:
//  - standalone: start() spawns its actor on the actor system; stop() and
//    wait() end it; the final error says why it ended.
//  - hosted: as_runnable() makes it a runnable of another supervisor (add) or
//    of a tree node (run); the parent owns its life. Its own spec applies
//    inside. What a restarted run starts: every service add() registered,
//    before or during an earlier run (suture keeps its services), and every
//    child start_child() registered before the first run; a child that
//    start_child() added to a running supervisor belonged to that run only
//    (OTP re-runs init, which does not name it) and is forgotten.
//
// Outcomes travel as exit reasons (errc.hpp): a service exiting with
// do_not_restart is removed quietly; terminate_tree stops this supervisor,
// which then exits with the same reason towards its parent (so termination
// climbs), or with do_not_restart if spec.dont_propagate_termination.
//
// Threads: every member may be called from any thread. These block the
// caller: wait(), wait_for(), remove_and_wait(), start() with a wait_up,
// start_child() and restart_child() (until the child is up, or their
// timeout), terminate_child() (until the child stopped), delete_child()
// (until its id is free); each returns
// errc::would_deadlock when called inside an event hook, and none should be
// called from a CAF worker that the supervisor's children need. The others
// never block.
// Registration (names, tokens) lives in the handle, so add() never waits for
// the supervisor's actor: calls cannot deadlock on a busy supervisor.
//
// Decisions on suture's quirks are listed in README.md and
// at each member below.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "supervise/child_info.hpp"
#include "supervise/child_spec.hpp"
#include "supervise/node_state.hpp"
#include "supervise/runnable.hpp"
#include "supervise/spec.hpp"

namespace supervise {

namespace detail { struct supervisor_shared; }

/// A supervisor of named services: suture's API plus OTP's child API (see
/// the top of this file). Not copyable.
class supervisor {
public:
  /// A supervisor named `name` (1..64 chars of [A-Za-z0-9_-]) on `sys`; it
  /// does not run until start() or until a parent runs as_runnable().
  /// Throws std::invalid_argument naming the bad value for an invalid name or
  /// spec (spec::validate()).
  supervisor(caf::actor_system& sys, std::string name, spec s = {});

  /// Stops a standalone supervisor that still runs and waits for it.
  ~supervisor();

  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  /// The name given to the constructor: the DN of a standalone run, and
  /// the name add(supervisor&) registers it under.
  const std::string& name() const noexcept;

  /// The spec as given (validated), e.g. to check what a config produced.
  const spec& config() const noexcept;

  /// Registers a service and, if the supervisor runs, starts it at once (even
  /// during a backoff pause, as in suture). Before start it is queued and
  /// starts with the supervisor, in add order. Does not wait for the actor.
  /// Errors: invalid_name, duplicate_name (a registered service has the name:
  /// unlike suture, names are unique so DNs are), empty_runnable, not_running
  /// (a standalone supervisor that has stopped; suture silently returns a
  /// zero token).
  caf::expected<service_token> add(std::string name, runnable r);

  /// Adds a child by its full spec (OTP's start_child) and waits until it is
  /// up (child_spec::ready) or failed to start, at most `timeout`. Before the
  /// supervisor runs it is only registered (it starts with it). Errors: those
  /// of add(), except that an id in use gives already_started (its child
  /// runs) or already_present (a kept child that does not run);
  /// invalid_option (significant with permanent or under
  /// auto_shutdown::never, naming the child); start_failed (the child threw,
  /// quit in its initialisation or ended before it was up: the spec is
  /// discarded and the id free, as in OTP); timeout; would_deadlock (inside
  /// a hook). A timeout of 0 does not wait (the outcome then shows in events
  /// and which_children). Under simple_one_for_one an empty id becomes
  /// "child-<n>".
  caf::expected<service_token> start_child(child_spec cs,
                                           std::chrono::nanoseconds timeout = std::chrono::seconds(5));

  /// Stops a child by its shutdown spec and keeps its spec (a temporary
  /// child's goes, and any child's under simple_one_for_one: its id is free
  /// when this returns); waits until it has stopped. Stopping it this way is
  /// never a failure and never triggers auto_shutdown. Errors:
  /// unknown_child, not_started, not_running, would_deadlock.
  caf::error terminate_child(const std::string& id);

  /// Starts a kept child that is not running (after terminate_child, or a
  /// transient child that ended cleanly) and waits until it is up. Not counted
  /// as a restart; a start failure is returned, not retried; a timeout of 0
  /// does not wait. Errors:
  /// unknown_child, child_running (it runs, or its restart is pending),
  /// simple_one_for_one (that strategy keeps no stopped child to restart),
  /// start_failed, timeout, not_started, not_running, would_deadlock.
  caf::error restart_child(const std::string& id,
                           std::chrono::nanoseconds timeout = std::chrono::seconds(5));

  /// Forgets a kept child that is not running and waits until its id is
  /// free (a start_child with it may follow at once). Errors: unknown_child,
  /// child_running, simple_one_for_one (nothing kept to delete: a stopped
  /// child is gone already), not_started, not_running, would_deadlock.
  caf::error delete_child(const std::string& id);

  /// Every known child in start order; one whose restart is pending says
  /// `restarting`. Errors: not_started, not_running.
  caf::expected<std::vector<child_info>> which_children() const;

  /// Counts as OTP's count_children: `active` leaves out a child whose
  /// restart is pending. Errors: not_started, not_running.
  caf::expected<child_counts> count_children() const;

  /// The spec of child `id` as the supervisor holds it, every field filled
  /// in (the default shutdown made explicit), as OTP's get_childspec.
  /// Errors: unknown_child, not_started, not_running.
  caf::expected<child_spec> get_childspec(const std::string& id) const;

  /// Checks `specs` as start_child would, without a supervisor (OTP's
  /// check_childspecs): none when all are usable, else the first problem,
  /// naming the child: invalid_name, empty_runnable, invalid_option (every
  /// bad option of that child; `when` is the auto_shutdown they would run
  /// under), duplicate_name (two specs share an id). Any thread.
  static caf::error check_childspecs(const std::vector<child_spec>& specs,
                                     auto_shutdown when = auto_shutdown::never);

  /// Adds `child` (a supervisor) under its own name: add(child.name(),
  /// child.as_runnable()). Events of `child` without its own hook go to this
  /// supervisor's hook.
  caf::expected<service_token> add(supervisor& child);

  /// Removes a service: it leaves services() at once, gets a stop request
  /// and, after spec.stop_timeout, is killed (event-based) or reported (blocking)
  /// with a stop_timed_out event. Returns without waiting. Its exit is not a
  /// failure. Errors: wrong_supervisor (token of another supervisor, or the
  /// zero token), unknown_token (never issued, or already removed), not_started
  /// (suture's quirk kept: nothing is removed), not_running (stopped).
  caf::error remove(service_token t);

  /// remove(t), then waits until the service's actor has exited or `timeout`
  /// passed (0: no limit of its own). Returns none once it exited, even after
  /// spec.stop_timeout (suture #28); also for a token whose removal is pending.
  /// Errors: those of remove(); timeout; would_deadlock (inside a hook).
  caf::error remove_and_wait(service_token t, std::chrono::nanoseconds timeout);

  /// The registered services in add order (including ones waiting out a
  /// backoff, excluding ones being removed). Errors: not_started, not_running.
  caf::expected<std::vector<service_info>> services() const;

  /// Runs the supervisor standalone on its actor system. Its children start
  /// one at a time in add order, each once the previous is up; if one fails
  /// to start, the started ones stop in reverse order and the run ends with
  /// errc::start_failed naming the child (wait() returns it). With
  /// `wait_up` > 0 this waits that long for all of them to be up and returns
  /// that start_failed; with 0 it returns at once. Errors: already_started
  /// (it runs, or runs hosted), not_running (a standalone run has ended:
  /// supervisors are single-use when standalone, a clear error instead of
  /// suture's crash), start_failed, timeout, would_deadlock (waiting inside
  /// a hook).
  caf::error start(std::chrono::nanoseconds wait_up = std::chrono::nanoseconds{0});

  /// Asks a standalone supervisor to stop: every child gets a stop request
  /// (high priority), and after spec.stop_timeout the stragglers are handled as in
  /// remove(). Idempotent while running. Errors: not_started, not_running
  /// (already ended), not_standalone (hosted: remove it from its parent).
  caf::error stop();

  /// Blocks until a standalone run has ended and returns why: none after
  /// stop(), the terminating child's reason after terminate_tree (or
  /// do_not_restart with dont_propagate_termination). Errors: not_started,
  /// not_standalone, would_deadlock (inside a hook).
  caf::error wait();

  /// wait(), up to `d`; nullopt while still running.
  std::optional<caf::error> wait_for(std::chrono::nanoseconds d);

  /// Non-blocking: true once a standalone run has ended.
  bool stopped() const;

  /// After the end of a standalone run: the children that did not stop, in
  /// this supervisor and, recursively, in nested supervisors (a fix: suture's
  /// report stops at one level and blocks forever before start). Errors:
  /// not_started, still_running (call wait() first), not_standalone.
  caf::expected<std::vector<unstopped_child>> unstopped_report() const;

  /// This supervisor as a runnable for another supervisor or a tree node.
  /// Each run starts the services registered at that moment (except children
  /// start_child() added to an earlier run: see the top of this file); it
  /// signals healthy once they were spawned. Running it in two places at once
  /// makes the second fail with already_started.
  runnable as_runnable();

  /// The actor of the current run, or nullptr when it does not run. An exit
  /// message with a non-normal reason sent to it stops it as stop() does.
  caf::actor actor() const;

private:
  std::shared_ptr<detail::supervisor_shared> shared_;
};

} // namespace supervise
