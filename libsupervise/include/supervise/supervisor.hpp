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
//    of a tree node (run). Each incarnation starts every service registered
//    at that moment; the parent owns its life. Its own spec applies inside.
//
// Outcomes travel as exit reasons (errc.hpp): a service exiting with
// do_not_restart is removed quietly; terminate_tree stops this supervisor,
// which then exits with the same reason towards its parent (so termination
// climbs), or with do_not_restart if spec.dont_propagate_termination.
//
// Threads: every member may be called from any thread, including an actor's
// handler and an event hook; only wait(), wait_for() and remove_and_wait()
// block, and those return errc::would_deadlock when called inside a hook.
// Registration (names, tokens) lives in the handle, so add() never waits for
// the supervisor's actor: calls cannot deadlock on a busy supervisor.
//
// Decisions on suture's quirks (suture-v4.md §6) are listed in README.md and
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

#include "supervise/node_state.hpp"
#include "supervise/runnable.hpp"
#include "supervise/spec.hpp"

namespace supervise {

/// Names one service of one supervisor. Supervisor ids come from a
/// process-wide counter starting at 1, service ids from a per-supervisor
/// counter starting at 1, never reused; the zero token is never valid.
struct service_token {
  uint32_t supervisor = 0;
  uint32_t service = 0;

  friend bool operator==(service_token a, service_token b) {
    return a.supervisor == b.supervisor && a.service == b.service;
  }
  friend bool operator!=(service_token a, service_token b) { return !(a == b); }
};

/// One service as services() lists it.
struct service_info {
  service_token token;
  std::string name;
  std::string dn;   ///< as of the current incarnation of the supervisor
  node_state state; ///< NEW before it runs, or while it waits out a backoff
};

/// A child that did not stop when its supervisor stopped.
struct unstopped_child {
  std::string dn;         ///< e.g. "api.db" or "api.cache.shard1"
  std::string supervisor; ///< DN of the supervisor that gave up on it
  service_token token;    ///< its token, when it is a service of this supervisor
};

namespace detail { struct supervisor_shared; }

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

  /// Adds `child` (a supervisor) under its own name: add(child.name(),
  /// child.as_runnable()). Events of `child` without its own hook go to this
  /// supervisor's hook.
  caf::expected<service_token> add(supervisor& child);

  /// Removes a service: it leaves services() at once, gets a stop request
  /// and, after spec.timeout, is killed (event-based) or reported (blocking)
  /// with a stop_timed_out event. Returns without waiting. Its exit is not a
  /// failure. Errors: wrong_supervisor (token of another supervisor, or the
  /// zero token), unknown_token (never issued, or already removed), not_started
  /// (suture's quirk kept: nothing is removed), not_running (stopped).
  caf::error remove(service_token t);

  /// remove(t), then waits until the service's actor has exited or `timeout`
  /// passed (0: no limit of its own). Returns none once it exited, even after
  /// spec.timeout (suture #28); also for a token whose removal is pending.
  /// Errors: those of remove(); timeout; would_deadlock (inside a hook).
  caf::error remove_and_wait(service_token t, std::chrono::nanoseconds timeout);

  /// The registered services in add order (including ones waiting out a
  /// backoff, excluding ones being removed). Errors: not_started, not_running.
  caf::expected<std::vector<service_info>> services() const;

  /// Runs the supervisor standalone on its actor system; returns at once.
  /// Errors: already_started (it runs, or runs hosted), not_running (a
  /// standalone run has ended: supervisors are single-use when standalone,
  /// a clear error instead of suture's crash).
  caf::error start();

  /// Asks a standalone supervisor to stop: every child gets a stop request
  /// (high priority), and after spec.timeout the stragglers are handled as in
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
  /// Each run starts the services registered at that moment; it signals
  /// healthy once they were spawned. Running it in two places at once makes
  /// the second fail with already_started.
  runnable as_runnable();

  /// The actor of the current run, or nullptr when it does not run. An exit
  /// message with a non-normal reason sent to it stops it as stop() does.
  caf::actor actor() const;

private:
  std::shared_ptr<detail::supervisor_shared> shared_;
};

} // namespace supervise
