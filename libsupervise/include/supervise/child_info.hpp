// supervise/child_info.hpp — the values a supervisor hands out about its
// children: service tokens, service and child listings, child counts and
// the report of children that did not stop.
//
// Plain values: each is a copy taken when the supervisor call (supervisor.hpp)
// returned it, does not follow later changes, and may be copied and read on
// any thread. supervisor.hpp includes this header; include it alone to pass
// these values around without the supervisor class.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>

#include "supervise/child_spec.hpp"
#include "supervise/node_state.hpp"

namespace supervise {

/// Names one service of one supervisor. Supervisor ids come from a
/// process-wide counter starting at 1, service ids from a per-supervisor
/// counter starting at 1, never reused; the zero token is never valid.
struct service_token {
  uint32_t supervisor = 0; ///< the supervisor's id (process-wide, from 1)
  uint32_t service = 0;    ///< the service's id within that supervisor (from 1)

  /// Equal when both ids are.
  friend bool operator==(service_token a, service_token b) {
    return a.supervisor == b.supervisor && a.service == b.service;
  }
  /// Not operator==.
  friend bool operator!=(service_token a, service_token b) { return !(a == b); }
};

/// One service as services() lists it.
struct service_info {
  service_token token; ///< what remove() and remove_and_wait() take
  std::string name;    ///< as given to add() (or child_spec::id)
  std::string dn;   ///< as of the current incarnation of the supervisor
  node_state state; ///< NEW before it runs, or while it waits out a backoff
};

/// One child as which_children() lists it (OTP's which_children).
struct child_info {
  std::string id; ///< child_spec::id, or the name given to add()
  /// Its DN in the supervisor's current run, e.g. "app.db"; empty while a
  /// child just added has no node in that run yet.
  std::string dn;
  caf::actor actor; ///< the current incarnation; null when not running
  /// NEW before it runs, or while it waits out a backoff (as
  /// service_info::state).
  node_state state = node_state::new_;
  child_type type = child_type::worker;           ///< child_spec::type (add(): worker)
  restart_type restart = restart_type::permanent; ///< child_spec::restart (add(): permanent)
  uint64_t restarts = 0; ///< incarnations started after the first
  bool idle = false;     ///< kept, not running, not to be restarted
  /// Ran before and is down now, its restart pending (a backoff pause, a
  /// group restart waiting for its members to stop, the start queue): OTP's
  /// `restarting` in place of a pid.
  bool restarting = false;
};

/// OTP's count_children.
struct child_counts {
  /// Children known (listed). Under simple_one_for_one OTP counts its one
  /// template; here every child has a spec of its own, so this is the number
  /// of children, as OTP's `workers + supervisors` there.
  size_t specs = 0;
  size_t active = 0;      ///< with a running actor (one being restarted is not)
  size_t supervisors = 0; ///< of type supervisor
  size_t workers = 0;     ///< of type worker
};

/// A child that did not stop when its supervisor stopped.
struct unstopped_child {
  std::string dn;         ///< e.g. "api.db" or "api.cache.shard1"
  std::string supervisor; ///< DN of the supervisor that gave up on it
  service_token token;    ///< its token, when it is a service of this supervisor
};

} // namespace supervise
