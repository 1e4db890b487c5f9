// engine/starts.cpp — services start in order (OTP), and the supervisor's pause (suture).
#include "engine/engine.hpp"

#include <random>

#include <caf/all.hpp>

#include "detail/restart_policy.hpp"
#include "engine/events.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

// A failure took the decaying counter above the threshold: restarts pause
// until the resume timer fires. Every such failure re-arms the pause from now
// (a storm of failures keeps the pause going, as suture does).
void begin_pause(engine& e) {
  auto& sp = e.reg->sp;
  std::uniform_real_distribution<double> uniform{0.0, 1.0};
  auto delay = pause_length(sp.failure_backoff, sp.backoff_jitter, uniform(e.rng));
  e.self->delayed_send(e.self, delay, resume_atom::value, ++e.resume_token);
  e.pause_ends = now(e) + delay;
  emit<backoff_entered>(e, nullptr, [&](backoff_entered& ev) { ev.delay = delay; });
}

// -- ordered start of services (OTP: one at a time, in order) --------------------

// Queues a service to start; it starts once those queued before it are up.
void enqueue_start(engine& e, node& n) {
  e.start_queue.push_back(n.id);
  pump_starts(e);
}

// Starts queued services while none is still starting. A `healthy`-ready
// child gets a start timer (a `started`-ready one is up when its init returns).
// Under simple_one_for_one the children are alike and unordered: they start
// without waiting for each other, `start_chunk` per handler, and the engine
// yields between chunks (spawning thousands from one handler is quadratic in
// CAF 0.17's work-stealing queues).
constexpr size_t start_chunk = 128;
// At most this many started and not yet up (simple_one_for_one): a bounded
// window keeps the mailboxes and scheduler queues small; each up starts one more.
constexpr size_t start_window = 1024;

void pump_starts(engine& e) {
  if (!e.reg)
    return; // a tree: its nodes start at once
  if (e.starting != 0 && !e.start_queue.empty())
    follow_start(e, e.starting); // may mark it up, and pump from there
  bool parallel = e.reg->sp.strategy == strategy::simple_one_for_one;
  size_t budget = start_chunk;
  while (e.starting == 0 && !e.start_queue.empty() && !e.stopping) {
    if (parallel && e.pending_up >= start_window)
      return; // mark_up() or an exit calls us again
    if (parallel && budget-- == 0) {
      if (!std::exchange(e.pump_pending, true))
        e.self->send(e.self, pump_atom::value); // the rest in a later handler
      return;
    }
    auto i = e.by_id.find(e.start_queue.front());
    e.start_queue.pop_front();
    if (i == e.by_id.end() || i->second->running() || i->second->cancelled
        || i->second->fate == disposition::removed || i->second->fate == disposition::retired)
      continue; // gone or stopped since it was queued
    auto& n = *i->second;
    if (e.counters.paused && n.number > 0) {
      // A restart queued before the pause began (a group restart's later
      // members): it waits for the resume, behind the members held already.
      n.run = run_state::waiting;
      e.resume_queue.push_back(n.id);
      set_state(e, n, node_state::new_);
      continue;
    }
    start(e, n);
    if (n.run == run_state::starting)
      ++e.pending_up;
    if (!parallel)
      e.starting = n.id; // ordered: the next one when this one is up
    if (n.entry->ready == child_spec::ready_t::healthy)
      e.self->delayed_send(e.self, n.entry->start_timeout, start_timeout_atom::value, n.id,
                           n.number);
  }
  if (e.pending_up == 0 && e.start_queue.empty() && e.initial_start && !e.stopping) {
    e.initial_start = false; // the first batch is up: later failures are restarts
    if (e.reg) {
      std::lock_guard<std::mutex> guard{e.reg->mtx};
      e.reg->initial_up = true;
      e.reg->cv.notify_all();
    }
  }
}

// The starting service is up: wake a start_child/restart_child caller, start
// the next one.
void mark_up(engine& e, node& n) {
  if (!n.running() || n.run == run_state::up)
    return; // exited since, or up already
  if (n.run == run_state::starting)
    --e.pending_up;
  n.run = run_state::up;
  n.manual = false;
  if (n.entry) {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    e.reg->settle_locked(n.entry->id); // a start_child/restart_child caller
  }
  if (e.starting == n.id)
    e.starting = 0;
  pump_starts(e);
}

// An automatic restart started untracked; an ordered start now waits behind
// it: ask for its up message, or take it as up if it is already.
void follow_start(engine& e, uint64_t id) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end())
    return;
  auto& n = *i->second;
  if (n.run != run_state::running || !n.inc)
    return; // followed or up already, or not running
  n.run = run_state::starting;
  ++e.pending_up;
  if (n.inc->want_up())
    mark_up(e, n);
}

void on_up(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i != e.by_id.end() && i->second->number == number && i->second->running())
    mark_up(e, *i->second);
}

// A `healthy`-ready service did not come up in time: stop it; its exit is a
// start failure.
void on_start_timeout(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || i->second->number != number || !i->second->running()
      || i->second->run == run_state::up)
    return;
  request_stop(*i->second);
  kill(*i->second);
}

// The pause ended: reset the counter, restart the queued services in order.
void on_resume(engine& e, uint64_t token) {
  if (token != e.resume_token || !e.counters.paused)
    return; // re-armed since: a later timer ends this pause
  e.counters.paused = false;
  e.counters.failures.reset();
  emit<backoff_resumed>(e, nullptr);
  auto queue = std::move(e.resume_queue);
  e.resume_queue.clear();
  for (auto id : queue) {
    auto i = e.by_id.find(id);
    if (i != e.by_id.end() && i->second->waiting()) { // not cancelled or removed since
      i->second->run = run_state::idle;
      enqueue_start(e, *i->second);
    }
  }
}

} // namespace supervise::detail::core
