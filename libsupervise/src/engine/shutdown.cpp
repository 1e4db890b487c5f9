// engine/shutdown.cpp — stopping children: one by its shutdown spec, all in
// order, and the end of a run.
#include "engine/engine.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "engine/child_kind.hpp"
#include "engine/events.hpp"
#include "detail/restart_selection.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

// The children that cannot be stopped, as a report: blocking ones still
// running (a kill does not reach their thread) and those given up on.
std::vector<unstopped_child> unstoppable_report(const engine& e) {
  std::vector<unstopped_child> out;
  for (auto& [addr, n] : e.by_addr) {
    if (!n->given_up && !n->body().is_blocking())
      continue;
    unstopped_child u;
    u.dn = n->dn;
    u.supervisor = n->parent ? n->parent->dn : std::string{};
    if (n->entry && e.reg)
      u.token = service_token{e.reg->id, n->entry->id};
    out.push_back(std::move(u));
  }
  out.insert(out.end(), e.inherited.begin(), e.inherited.end());
  std::sort(out.begin(), out.end(),
            [](const unstopped_child& a, const unstopped_child& b) { return a.dn < b.dn; });
  return out;
}

namespace {

// n is past its shutdown time and cannot be stopped: stop waiting for it
// (it stays listed until it exits, and is reported as unstopped).
void give_up(engine& e, node& n) {
  if (!n.given_up) {
    n.given_up = true;
    ++e.given_up;
  }
}

// Kills n. A blocking child ignores a kill: given up on at once; an
// event-based one is given up on when it is still running kill_grace later.
void kill_or_give_up(engine& e, node& n) {
  kill(n);
  if (n.body().is_blocking())
    give_up(e, n);
  else
    e.self->delayed_send(e.self, kill_grace, kill_grace_atom::value, n.id, n.number);
}

// A child stopped or was given up on: the stop it held up goes on.
void continue_stops(engine& e) {
  if (e.stopping) {
    stop_in_order(e, e.stop_order);
    maybe_finish(e);
  } else if (!e.group_stop.empty()) {
    stop_in_order(e, e.group_stop);
  }
}

// What this run ends with towards its parent or its handle: the stop
// reason, with a terminate_tree turned into do_not_restart when this
// supervisor does not propagate termination.
caf::error end_reason(const engine& e) {
  if (e.reg && e.reg->sp.dont_propagate_termination && is(e.final_error, errc::terminate_tree))
    return errc::do_not_restart;
  return e.final_error;
}

} // namespace

// The end of a run: publish the result where its owner looks, then quit.
void finish(engine& e, std::vector<unstopped_child> hung) {
  if (e.finished)
    return;
  e.finished = true;
  auto reason = end_reason(e);
  e.owner->hand_over(reason, std::move(hung));
  e.self->quit(reason);
}

// Quits once nothing runs any more but children given up on (past their
// shutdown time, out of a kill's reach), and no ordered stop is left to do.
void maybe_finish(engine& e) {
  if (e.stopping && e.stop_order.empty() && e.by_addr.size() == e.given_up)
    finish(e, unstoppable_report(e));
}

// The shutdown of one child by its spec: brutal_kill at once, a timer for
// `timeout`, nothing for `infinity`. A child a kill cannot reach is given up
// on (kill_or_give_up).
void arm_shutdown(engine& e, node& n) {
  if (!n.running())
    return;
  auto sh = kind_of(n).shutdown(e, n);
  switch (sh.kind) {
    case shutdown_spec::brutal_kill:
      kill_or_give_up(e, n);
      break;
    case shutdown_spec::timeout:
      e.self->delayed_send(e.self, sh.time, child_stop_timeout_atom::value, n.id, n.number);
      break;
    case shutdown_spec::infinity:
      break;
  }
}

// Ordered stop (OTP: reverse start order, one at a time): ask the service at
// the back of `order` to stop by its shutdown spec; the next one is asked
// when it has exited (or been given up on).
void stop_in_order(engine& e, std::vector<uint64_t>& order) {
  while (!order.empty()) {
    auto i = e.by_id.find(order.back());
    if (i == e.by_id.end()) {
      order.pop_back();
      continue;
    }
    auto& n = *i->second;
    if (!n.cancelled) {
      cancel(e, n);
      arm_shutdown(e, n);
    }
    if (n.running() && !n.given_up)
      return; // wait for its exit
    order.pop_back();
  }
}

namespace {

// The overall bound of a stop: the largest shutdown time among the
// children (spec.stop_timeout at least); none when one waits forever.
std::optional<std::chrono::nanoseconds> stop_deadline(const engine& e) {
  auto bound = e.opts.stop_timeout;
  if (!e.is_supervisor())
    return bound;
  for (auto& c : e.root->children()) {
    if (!c->entry || !c->running())
      continue;
    auto sh = c->entry->shutdown();
    if (sh.kind == shutdown_spec::infinity)
      return std::nullopt;
    if (sh.kind == shutdown_spec::timeout)
      bound = std::max(bound, sh.time);
  }
  return bound;
}

} // namespace

// Stops every child and arms the overall stop timeout. A supervisor stops
// its services one at a time in reverse start order (OTP), except under
// simple_one_for_one; a tree stops all at once. A second call only keeps
// the first reason.
void begin_stop(engine& e, caf::error reason) {
  if (!e.stopping) {
    e.stopping = true;
    e.final_error = std::move(reason);
    e.start_queue.clear();
    e.group_stop.clear(); // the stop takes over
    e.starting = 0;
    if (auto bound = stop_deadline(e))
      e.self->delayed_send(e.self, *bound, stop_timeout_atom::value);
    if (e.is_supervisor() && e.reg->sp.strategy != strategy::simple_one_for_one) {
      e.root->cancelled = true; // no cascade: stop_in_order() goes child by child
      for (auto& c : e.root->children())
        e.stop_order.push_back(c->id); // the last started at the back
      stop_in_order(e, e.stop_order);
      maybe_finish(e);
      return;
    }
  } else if (!e.stop_order.empty()) {
    return; // an ordered stop is under way
  }
  if (e.root) {
    cancel(e, *e.root);
    // Parallel (simple_one_for_one): one shared deadline for alike children,
    // no timer per child; brutal_kill ones go at once.
    if (e.is_supervisor())
      for (auto& c : e.root->children())
        if (c->entry && c->entry->shutdown_kind == shutdown_spec::brutal_kill)
          arm_shutdown(e, *c);
  }
  maybe_finish(e);
}

// The overall stop timeout ran out: kill what still runs; the run ends once
// every child exited or was given up on (kill_or_give_up), and reports those.
void on_stop_timeout(engine& e) {
  if (e.finished)
    return;
  e.stop_order.clear();
  if (e.root)
    cancel(e, *e.root); // whoever was not asked yet is asked now
  std::vector<node*> late;
  for (auto& [addr, n] : e.by_addr)
    late.push_back(n);
  for (auto* n : late) {
    if (n->timed_out)
      continue; // reported and killed by its own shutdown timer already
    n->timed_out = true; // (a bit-field: no std::exchange)
    emit<stop_timed_out>(e, n, [&](stop_timed_out& ev) { ev.timeout = e.opts.stop_timeout; });
    kill_or_give_up(e, *n);
  }
  maybe_finish(e);
}

// One child's shutdown time ran out (a stop, remove or terminate_child):
// report it and kill it (or give up on it).
void on_child_stop_timeout(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || !i->second->running() || i->second->number != number)
    return;
  auto& n = *i->second;
  if (n.timed_out)
    return; // the overall stop timeout came first
  n.timed_out = true; // (a bit-field: no std::exchange)
  emit<stop_timed_out>(e, &n, [&](stop_timed_out& ev) {
    ev.timeout = kind_of(n).shutdown(e, n).time;
  });
  kill_or_give_up(e, n);
  continue_stops(e);
}

// A killed event-based child is still running kill_grace later: it blocks its
// worker, and the stop goes on without it.
void on_kill_grace_over(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || !i->second->running() || i->second->number != number)
    return;
  give_up(e, *i->second);
  continue_stops(e);
}

} // namespace supervise::detail::core
