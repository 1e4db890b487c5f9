#include "detail/restart_policy.hpp"

#include <caf/exit_reason.hpp>

#include "supervise/errc.hpp"

namespace supervise::detail {

bool is_requested_stop(const caf::error& reason) {
  return !reason || is(reason, caf::exit_reason::user_shutdown)
         || is(reason, caf::exit_reason::kill) || is(reason, caf::exit_reason::unreachable);
}

bool is_clean_end(const caf::error& reason) {
  return !reason || is(reason, caf::exit_reason::user_shutdown) || is(reason, errc::shutdown);
}

exit_kind classify(const caf::error& reason, bool signaled_done, bool cancelled) {
  // The two explicit requests win over everything.
  if (is(reason, errc::terminate_tree))
    return exit_kind::terminate_tree;
  if (is(reason, errc::do_not_restart))
    return exit_kind::stop_for_good;
  // DONE first: a normal return after signal(done), cancelled or not.
  if (!reason && signaled_done)
    return exit_kind::done;
  // CANCELED next: asked to stop, and stopped the expected way.
  if (cancelled && is_requested_stop(reason))
    return exit_kind::canceled;
  // Everything else fails, a normal return without done included.
  return exit_kind::dead;
}

namespace {

node_state state_of(exit_kind k) {
  switch (k) {
    case exit_kind::done: return node_state::done;
    case exit_kind::canceled: return node_state::canceled;
    case exit_kind::dead: return node_state::dead;
    case exit_kind::stop_for_good: return node_state::done;
    case exit_kind::terminate_tree: return node_state::canceled;
  }
  return node_state::dead;
}

// A decision that only reports: the child lands in `s`, as a failure or not.
decision ends(verdict v, node_state s, bool failure = false) {
  decision d;
  d.child = v;
  d.state = s;
  d.failure = failure;
  return d;
}

// A significant service ended for good: the supervisor may stop with it.
decision& maybe_auto_shutdown(decision& d, const exit_facts& f, const child_rules& r) {
  bool stops = r.significant
               && (r.shutdown_when == auto_shutdown::any_significant
                   || (r.shutdown_when == auto_shutdown::all_significant && !f.significant_left));
  if (stops)
    d.stop = escalation::auto_shutdown;
  return d;
}

// Monogon's rules: a tree node, or any child while its supervisor stops.
decision tree_rules(exit_kind k, const exit_facts& f) {
  if (f.stopping) // nothing restarts during a stop; a failure is still one
    return ends(verdict::wait, state_of(k), k == exit_kind::dead);
  switch (k) {
    case exit_kind::done: // DONE restarts only once cancelled (a sibling died)
      return ends(f.cancelled ? verdict::restart : verdict::wait, node_state::done);
    case exit_kind::canceled: // restarts once its subtree stopped, if its parent lives
      return ends(verdict::restart, node_state::canceled);
    default: { // dead: its subtree and group go down, it restarts after its backoff
      auto d = ends(verdict::restart_group, node_state::dead, true);
      d.restarting = true;
      d.backoff = true;
      return d;
    }
  }
}

// A service that stopped and is not restarted keeps its spec (restart_child
// may start it again), except under simple_one_for_one, which keeps no spec
// of a stopped child (OTP: its instances are known only while they run).
verdict kept(const child_rules& r) {
  return r.strategy == strategy::simple_one_for_one ? verdict::remove : verdict::park;
}

// OTP's and suture's rules for a service of a running supervisor.
decision service_rules(exit_kind k, const exit_facts& f, const child_rules& r,
                       restart_counters& c, failure_counter::time_point now) {
  bool temporary = r.restart == restart_type::temporary;
  // Stopped by the supervisor itself (a group restart, terminate_child):
  // never a failure, never an auto_shutdown.
  if (f.cancelled) {
    auto s = k == exit_kind::dead ? node_state::dead : node_state::canceled;
    if (temporary && (f.held || f.terminating))
      return ends(verdict::remove, s);
    return ends(f.terminating ? kept(r) : verdict::wait, s);
  }
  // Ended before it was up while somebody waits: the start failed.
  if (!f.up && (f.initial_start || f.start_awaited || f.manual)) {
    auto d = ends(verdict::remove, node_state::dead, true);
    d.start_failed = true;
    if (f.initial_start) { // the initial batch fails as a whole
      d.child = verdict::wait;
      d.stop = escalation::start_failed;
    } else if (f.manual) { // restart_child: the spec stays
      d.child = verdict::park;
    } // start_child: the spec goes
    return d;
  }
  // A member of a group restart under way that ended before the supervisor
  // asked it to stop (a storm): the group starts it again, and the group's
  // restart was counted once already (OTP). A temporary member goes.
  if (f.held) {
    auto d = ends(temporary ? verdict::remove : verdict::wait, state_of(k), k == exit_kind::dead);
    d.restarting = d.failure && !temporary;
    return d;
  }
  // Ends that never restart: DONE, any end of a temporary child, a clean
  // end of a transient one.
  bool clean = k == exit_kind::done || is_clean_end(f.reason);
  if (k == exit_kind::done || temporary || (r.restart == restart_type::transient && clean)) {
    auto d = ends(temporary ? verdict::remove : kept(r),
                  clean ? node_state::done : node_state::dead, !clean);
    return maybe_auto_shutdown(d, f, r);
  }
  // A failure that restarts: counted once against the decaying counter (a
  // count above the threshold (re)starts the pause) and the intensity.
  auto d = ends(verdict::restart, node_state::dead, true);
  if (c.failures.add(now, r.failure_decay) > r.failure_threshold)
    d.pause = c.paused = true;
  if (c.intensity && !c.intensity->allow(now)) {
    d.child = verdict::wait;
    d.stop = escalation::intensity;
    return d;
  }
  d.restarting = !c.paused;
  if (r.strategy == strategy::one_for_all || r.strategy == strategy::rest_for_one)
    d.child = verdict::restart_group;
  return d;
}

} // namespace

decision decide(const exit_facts& f, const child_rules& r, restart_counters& c,
                failure_counter::time_point now) {
  auto k = classify(f.reason, f.signaled_done, f.cancelled);
  bool service = r.role == child_role::service && !f.stopping;
  // 1. A removed child is gone for good, however it ended: never a failure.
  if (f.removing)
    return ends(verdict::remove, node_state::canceled);
  // 2. The explicit requests.
  if (k == exit_kind::terminate_tree) {
    auto d = ends(verdict::wait, node_state::canceled);
    d.stop = escalation::terminate_tree;
    return d;
  }
  if (k == exit_kind::stop_for_good) {
    if (!service) // a tree node stays listed, DONE, never restarted
      return ends(verdict::stay_down, node_state::done);
    auto d = ends(verdict::remove, node_state::done);
    return maybe_auto_shutdown(d, f, r);
  }
  // 3.-5. By role; a stopping supervisor's services follow the tree rules.
  return service ? service_rules(k, f, r, c, now) : tree_rules(k, f);
}

std::chrono::nanoseconds pause_length(std::chrono::nanoseconds failure_backoff, double jitter,
                                      double uniform01) {
  auto base = std::chrono::duration<double, std::nano>(failure_backoff);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(base
                                                              * (1.0 + uniform01 * jitter));
}

const char* to_string(verdict x) noexcept {
  switch (x) {
    case verdict::restart: return "restart";
    case verdict::restart_group: return "restart_group";
    case verdict::wait: return "wait";
    case verdict::park: return "park";
    case verdict::stay_down: return "stay_down";
    case verdict::remove: return "remove";
  }
  return "?";
}

const char* to_string(escalation x) noexcept {
  switch (x) {
    case escalation::none: return "none";
    case escalation::terminate_tree: return "terminate_tree";
    case escalation::intensity: return "intensity";
    case escalation::start_failed: return "start_failed";
    case escalation::auto_shutdown: return "auto_shutdown";
  }
  return "?";
}

} // namespace supervise::detail
