// engine/exits.cpp — a child exited: gather the facts, decide (restart_policy), carry out.
#include "engine/engine.hpp"

#include <caf/all.hpp>

#include "detail/restart_policy.hpp"
#include "engine/child_kind.hpp"
#include "engine/events.hpp"
#include "incarnation.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

// Emits child_stopped for `n`.
// By value, as report_failed: a last use of the exit's reason moves in.
void report_stopped(engine& e, node& n, caf::error reason, bool removed) {
  emit<child_stopped>(e, &n, [&](child_stopped& ev) {
    ev.state = n.state;
    ev.reason = std::move(reason);
    ev.removed = removed;
  });
}

// Emits child_failed for `n`.
// Takes the reason by value: the exit's own reason moves into the event (no
// copy of a caf::error, which allocates, on the restart path).
void report_failed(engine& e, node& n, caf::error reason, bool restarting, bool held) {
  emit<child_failed>(e, &n, [&](child_failed& ev) {
    ev.reason = reason ? std::move(reason) : make_error(errc::returned_without_done, n.dn);
    ev.restarting = restarting;
    ev.held_by_backoff = held;
  });
}

namespace {

// Whether another significant service than `n` is still there (neither
// parked nor retired): auto_shutdown::all_significant.
bool significant_left(const engine& e, const node& n) {
  for (auto& c : e.root->children())
    if (c.get() != &n && c->entry && c->entry->significant
        && c->fate != disposition::parked && c->fate != disposition::retired)
      return true;
  return false;
}

// What the engine knows about n's exit, for decide().
exit_facts facts_of(const engine& e, const node& n, const caf::error& reason, bool done,
                    bool up) {
  exit_facts f{reason};
  f.signaled_done = done;
  f.cancelled = n.cancelled;
  f.up = up;
  f.initial_start = e.initial_start;
  f.manual = n.manual;
  f.held = n.fate == disposition::held;
  f.terminating = n.fate == disposition::terminating;
  f.removing = n.fate == disposition::removed;
  f.stopping = e.stopping;
  if (n.entry && !up) { // asked only where it can matter: a lock section
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    f.start_awaited = e.reg->awaited_locked(n.entry->id);
  }
  if (n.entry && n.entry->significant
      && e.reg->sp.shutdown_when == auto_shutdown::all_significant)
    f.significant_left = significant_left(e, n);
  return f;
}

// The error a supervisor stops with when a decision escalates.
caf::error escalation_error(const engine& e, const node& n, escalation why,
                            const caf::error& reason, const caf::error& start_error) {
  switch (why) {
    case escalation::terminate_tree: return reason;
    case escalation::intensity:
      return make_error(errc::shutdown, "reached_max_restart_intensity: " + e.root->dn);
    case escalation::start_failed: return start_error;
    case escalation::auto_shutdown: return make_error(errc::shutdown, "auto_shutdown: " + n.dn);
    case escalation::none: break;
  }
  return {};
}

// "restarting group {a, b, c} because b failed: <reason>", at the supervisor
// (or the parent tree node) of `members`.
void log_group_restart(engine& e, const std::string& at, const std::vector<node*>& members,
                       const std::string& cause) {
  std::string names;
  for (auto* m : members)
    names += (names.empty() ? "" : ", ") + m->dn.substr(m->dn.rfind('.') + 1);
  logger{at, e.opts.sink}.info("restarting group {{{}}} because {}", names, cause);
}

// The members of tree node n's run_group: the consecutive children of its
// parent from the group's first member on.
std::vector<node*> run_group_of(const node& n) {
  std::vector<node*> out;
  if (!n.parent || n.group == no_group)
    return out;
  auto& siblings = n.parent->children();
  for (auto i = size_t{n.group}; i < siblings.size() && siblings[i]->group == n.group; ++i)
    out.push_back(siblings[i].get());
  return out;
}

// Whether a restart of n restarts others with it, so that its cause is worth
// a line: a service under a group strategy (the restart_group verdict says
// so), a tree node of a run_group with two members or more (not one of
// run(), the common case: no text is made on its restart path).
bool restarts_a_group(const node& n) {
  if (n.entry)
    return true;
  if (!n.parent || n.group == no_group)
    return false;
  auto& siblings = n.parent->children();
  auto first = size_t{n.group};
  return siblings[first].get() != &n
         || (first + 1 < siblings.size() && siblings[first + 1]->group == n.group);
}

// Carries out the decision about n's exit, in the order users observe: the
// state, a pause (its event first), the child's fate, its event, the
// restart's cancellations, a waiting caller, the supervisor's own stop.
void carry_out(engine& e, node& n, const decision& d, caf::error reason) {
  set_state(e, n, d.state);
  if (d.pause)
    begin_pause(e);
  if (n.fate == disposition::terminating)
    n.fate = disposition::normal; // its terminate_child is over; the verdict says what now
  switch (d.child) {
    case verdict::park: park(e, n); break;
    case verdict::stay_down: n.fate = disposition::retired; break;
    case verdict::remove: leave(e, n); break;
    default: break; // restarts are started below, after the event
  }
  // A group restart names its cause once, in one line.
  std::string group_cause;
  if (d.child == verdict::restart_group && restarts_a_group(n))
    group_cause = n.dn + " failed: " + render(reason ? reason : make_error(errc::returned_without_done));
  caf::error start_error;
  if (d.start_failed) {
    auto text = n.dn + ": " + render(reason ? reason : make_error(errc::returned_without_done));
    start_error = make_error(errc::start_failed, text);
    report_failed(e, n, caf::error{start_error}, false, false);
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    e.reg->settle_locked(n.entry->id, start_error);
    n.manual = false; // a failed restart_child is not retried
  } else {
    auto escalated = d.stop == escalation::terminate_tree || d.stop == escalation::intensity
                       ? reason
                       : caf::error{};
    bool restarts = d.child == verdict::restart || d.child == verdict::restart_group;
    if (d.failure)
      report_failed(e, n, std::move(reason), d.restarting, restarts && !d.restarting);
    else
      report_stopped(e, n, std::move(reason), d.child == verdict::remove);
    reason = std::move(escalated);
  }
  if (d.child == verdict::restart || d.child == verdict::restart_group) {
    n.backoff_pending = d.backoff;
    kind_of(n).take_down(e, n, d.child == verdict::restart_group);
    if (!group_cause.empty()) { // one line naming the group and its cause
      if (n.entry) {
        if (e.group_restart.size() > 1)
          log_group_restart(e, e.root->dn, e.group_restart, group_cause);
      } else {
        log_group_restart(e, n.parent->dn, run_group_of(n), group_cause);
      }
    }
  }
  if (d.stop == escalation::intensity)
    emit<supervisor_gave_up>(e, &n, [&](supervisor_gave_up& ev) {
      ev.max_restarts = e.counters.intensity->max_restarts();
      ev.period = e.counters.intensity->period();
      ev.reason = reason ? reason : make_error(errc::returned_without_done, n.dn);
    });
  if (d.stop != escalation::none)
    begin_stop(e, escalation_error(e, n, d.stop, reason, start_error));
}

// A child exited: gather the facts, decide, carry out.
void child_exited(engine& e, node& n, caf::error reason, bool done, bool up) {
  auto facts = facts_of(e, n, reason, done, up);
  auto d = decide(facts, kind_of(n).rules(e, n), e.counters, now(e));
  carry_out(e, n, d, std::move(reason));
}

// Waits for straggler `s` on behalf of node `id`: its exit comes to us (a
// blocking one is monitored). One that ended already is replaced by the
// stragglers it left itself, if it ran a supervisor.
void adopt(engine& e, uint64_t id, straggler s) {
  auto addr = s.actor.address();
  if (s.blocking) {
    e.self->monitor<caf::message_priority::high>(s.actor); // a dead one: reported at once
    e.stragglers.emplace(addr, engine::waiting_node{id, std::move(s)});
    return;
  }
  if (s.inc->adopt(caf::actor{e.self})) {
    e.stragglers.emplace(addr, engine::waiting_node{id, std::move(s)});
    return;
  }
  for (auto& g : s.inc->take_stragglers())
    adopt(e, id, std::move(g));
}

// The stragglers a killed nested supervisor (n's actor) left: n waits.
void await_stragglers(engine& e, node& n, std::vector<straggler>& running) {
  for (auto& s : running)
    adopt(e, n.id, std::move(s));
  running.clear();
  for (auto& [addr, w] : e.stragglers)
    if (w.node == n.id) {
      n.stragglers = true;
      return;
    }
}

// A straggler ended: the ones it left (if it ran a supervisor) take its
// place; once none is left, the node that waited may restart.
void straggler_exited(engine& e, const caf::actor_addr& who) {
  auto s = e.stragglers.find(who);
  if (s == e.stragglers.end())
    return; // a replaced incarnation or a foreign actor: not ours to judge
  auto id = s->second.node;
  auto inc = std::move(s->second.who.inc);
  e.stragglers.erase(s);
  for (auto& g : inc->take_stragglers())
    adopt(e, id, std::move(g));
  for (auto& [addr, w] : e.stragglers)
    if (w.node == id)
      return; // more of them still run
  auto i = e.by_id.find(id);
  if (i == e.by_id.end())
    return;
  i->second->stragglers = false;
  select_restarts(e, id);
  pump_starts(e);
}

} // namespace

void on_exit(engine& e, caf::down_msg& msg) {
  if (e.opts.probe)
    e.opts.probe->exited(msg);
  auto i = e.by_addr.find(msg.source);
  if (i == e.by_addr.end()) {
    if (!e.stragglers.empty())
      straggler_exited(e, msg.source);
    return;
  }
  auto& n = *i->second;
  e.spare_addr = e.by_addr.extract(i); // kept for the replacement's start()
  e.exit_now = e.self->clock().now();
  // Whether its start had completed: it reported up, or it is an unfollowed
  // restart whose actor marked itself up.
  bool up = n.run == run_state::up
            || (n.run == run_state::running
                && n.inc->progress.load(std::memory_order_acquire) == incarnation::up);
  if (n.run == run_state::starting)
    --e.pending_up; // it ended before it was up
  n.run = run_state::idle;
  if (auto* t = n.tree.ptr())
    t->delays.exited_at(*e.exit_now, e.opts.backoff.min_uptime);
  // The dead actor (and, through its context, its incarnation) is destroyed
  // when this handler returns, after a replacement was spawned: as a bare
  // supervisor overwriting its handle, not on the restart's critical path.
  caf::actor dead = std::move(n.handle);
  n.handle = nullptr;
  if (n.given_up) {
    n.given_up = false;
    --e.given_up;
  }
  // The old context goes stale; a nested supervisor's unstopped children
  // become part of our report, and those it left stopping (its stragglers)
  // are adopted: n restarts once they exited.
  bool done = n.inc->close(e.inherited, e.spare_stragglers);
  if (!e.spare_stragglers.empty())
    await_stragglers(e, n, e.spare_stragglers);
  // Published with the next state change (set_state), or below.
  n.exit_unlisted = true;
  if (e.starting == n.id)
    e.starting = 0;
  e.histories[n.id].last_exit = msg.reason; // what a snapshot shows of it
  child_exited(e, n, std::move(msg.reason), done, up);
  publish(e, n, news::exit);
  if (e.stopping)
    stop_in_order(e, e.stop_order);
  else if (!e.group_stop.empty())
    stop_in_order(e, e.group_stop);
  select_restarts(e, n.id);
  pump_starts(e);
  maybe_finish(e);
  e.exit_now.reset();
}

} // namespace supervise::detail::core
