// engine/lifecycle.cpp — a node's life: listed, spawned, cancelled, parked, forgotten.
#include "engine/engine.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "detail/restart_selection.hpp"
#include "engine/events.hpp"
#include "event_runnable_actor.hpp"
#include "name.hpp"
#include "name_table.hpp"
#include "pooled_blocking_actor.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

// The one writer of a child's published state: its name-table row, its
// registry entry (what services(), which_children() and the handle's waits
// read) and on_state, one lock section each. The first publication after an
// exit also lists the exit (no actor), so an exit costs no section of its own.
void publish(engine& e, node& n, news what) {
  bool exited = n.exit_unlisted; // (a bit-field: no std::exchange)
  if (what == news::exit && !exited)
    return; // published with a state change already
  n.exit_unlisted = false;
  switch (what) {
    case news::started: e.names->started(n.dn, &n, n.handle, n.number - 1, now(e)); break;
    case news::state: e.names->state(n.dn, &n, n.state, exited); break;
    case news::exit: e.names->down(n.dn, &n); break;
    case news::fate: break;
  }
  if (n.entry) {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    auto& r = *n.entry;
    r.state = n.state;
    r.running = n.running();
    r.idle = n.fate == disposition::parked;
    r.restarting = !r.running && n.number > 0 && !e.stopping
                   && (n.fate == disposition::normal || n.fate == disposition::held);
    r.actor = n.handle; // null once exited
    r.restarts = n.number > 0 ? n.number - 1 : 0;
    if (n.fate == disposition::retired) {
      r.removing = true; // unlisted now, and its id free once nothing of it runs
      if (is_ready(n))
        e.reg->release_name_locked(r.id);
    }
    if (what == news::fate)
      e.reg->cv.notify_all(); // a handle may wait for it to be parked
  }
  if (what == news::state || what == news::started) {
    if (e.opts.on_state)
      e.opts.on_state(n.dn, n.state);
    if (e.opts.probe)
      e.opts.probe->state(n.dn, n.state);
    if (e.opts.observers)
      tell_observers(e, n.dn, n.state);
  }
}

void set_state(engine& e, node& n, node_state s) {
  n.state = s;
  publish(e, n, news::state);
}

// `id`: a service's registration id; 0: the next free one.
node* make_node(engine& e, node* parent, std::string name, runnable body, uint64_t id) {
  auto n = std::make_unique<node>();
  n->id = id != 0 ? id : e.next_id++;
  n->dn = parent ? child_dn(parent->dn, name) : name;
  if (body)
    n->tree.get().body = std::move(body);
  n->parent = parent;
  auto* ptr = n.get();
  e.by_id.emplace(ptr->id, ptr);
  if (parent)
    parent->tree.get().children.emplace_back(std::move(n));
  else
    e.root = std::move(n);
  return ptr;
}

// Forgets a subtree; its actors have all exited (select_restarts() checked readiness).
void drop_children(engine& e, node& n) {
  for (auto& c : n.children()) {
    drop_children(e, *c);
    e.names->erase(c->dn, c.get());
    e.by_id.erase(c->id);
    e.histories.erase(c->id);
  }
  if (auto* t = n.tree.ptr()) // frees them (clear() would keep the room)
    t->children = decltype(t->children){};
}

namespace {

// An exit message ahead of the child's mailbox backlog (high priority),
// unless a simulation's probe swallows it.
void send_exit(node& n, caf::exit_reason reason) {
  auto* probe = n.inc ? n.inc->env->probe.get() : nullptr;
  if (probe && !probe->delivers(n.handle, reason))
    return;
  caf::anon_send<caf::message_priority::high>(n.handle, caf::exit_msg{n.handle.address(), reason});
}

} // namespace

// Sends a stop request ahead of the child's mailbox backlog (high priority);
// a blocking runnable sees it through its context's stop flag.
void request_stop(node& n) {
  if (n.inc && !n.inc->stop.load(std::memory_order_acquire)) // else told, or closed
    n.inc->request_stop();
  if (!n.running())
    return;
  if (n.body().is_event_based())
    send_exit(n, caf::exit_reason::user_shutdown);
  else if (auto* probe = n.inc->env->probe.get()) // a simulation steps blocking ones itself
    probe->delivers(n.handle, caf::exit_reason::user_shutdown);
}

// Kills an event-based child that did not honour its stop request in time.
void kill(node& n) {
  if (n.running() && n.body().is_event_based())
    send_exit(n, caf::exit_reason::kill);
}

// -- spawning a runnable ----------------------------------------------------

// The incarnation says whether the runnable reports up (`reports`: a
// `started`-ready one, when its init returns; a blocking one, when its body
// begins) and, through its env, whether exceptions propagate.
caf::actor spawn_runnable(engine& e, const runnable& body, std::shared_ptr<incarnation> inc) {
  if (e.opts.probe)
    return e.opts.probe->spawn(e.self, body, std::move(inc), e.reg ? &e.reg->sp : nullptr);
  return spawn_child(e.self, body, std::move(inc));
}

} // namespace supervise::detail::core

namespace supervise::detail {

caf::actor spawn_child(caf::event_based_actor* self, const runnable& body,
                       std::shared_ptr<incarnation> inc) {
  if (body.is_blocking()) {
    // A thread of its own (reused from the pool); the body polls
    // ctx.stop_requested() (kill is not honoured).
    return self->spawn<pooled_blocking_actor>(
      [fn = body.blocking_body(), inc = std::move(inc)](caf::blocking_actor* a) {
        if (inc->reports)
          report_up(*inc);
        auto ctx = context_access::make(inc);
        caf::error result;
        if (inc->env->propagate_exceptions) {
          result = fn(ctx);
        } else {
          try {
            result = fn(ctx);
          } catch (...) {
            result = exception_to_error(std::current_exception());
          }
        }
        if (result)
          a->fail_state(std::move(result));
      });
  }
  return self->spawn<event_runnable_actor>(body, std::move(inc));
}

} // namespace supervise::detail

namespace supervise::detail::core {

namespace {

// Whether a service's start gates something, so its up must be heard: the
// initial batch (start() waits), a first start (start_child waits), a
// restart_child, or an ordered start queued behind it.
bool follows_start(const engine& e, const node& n) {
  return e.initial_start || n.manual || n.number == 1
         || (e.reg->sp.strategy != strategy::simple_one_for_one && !e.start_queue.empty());
}

} // namespace

// NEW (reset or fresh) -> running: a new incarnation gets a new actor.
void start(engine& e, node& n) {
  n.number++;
  n.timed_out = false;
  bool reports = n.entry && n.entry->ready == child_spec::ready_t::started;
  n.inc = std::make_shared<incarnation>(n.dn, n.id, n.number, e.env, reports);
  // A service's start is followed when something waits for it; a
  // healthy-ready one signals anyway. Otherwise (an automatic restart)
  // pump_starts() asks later if an ordered start comes to wait behind it.
  bool followed = n.entry && (!reports || follows_start(e, n));
  if (reports && followed)
    n.inc->progress.store(incarnation::wanted, std::memory_order_relaxed); // before the child runs
  // An event-based child's actor sends its down_msg itself (report_exit); a
  // blocking one is monitored: measured 30-35 us faster per blocking restart
  // (bench row `blocking`), and a thread per child dwarfs a monitor's 48 B.
  n.handle = spawn_runnable(e, n.body(), n.inc);
  if (n.body().is_blocking())
    e.self->monitor<caf::message_priority::high>(n.handle); // after a quick death: still reports
  n.run = followed ? run_state::starting : run_state::running;
  n.exit_unlisted = false;
  n.state = node_state::new_;
  if (e.spare_addr) { // a restart: the exited child's entry, no allocation
    e.spare_addr.key() = n.handle.address();
    e.spare_addr.mapped() = &n;
    e.by_addr.insert(std::move(e.spare_addr));
    e.spare_addr = {};
  } else {
    e.by_addr.emplace(n.handle.address(), &n);
  }
  publish(e, n, news::started); // listed as NEW with its new actor
  emit<child_started>(e, &n, [&](child_started& ev) { ev.incarnation = n.number; });
}

// -- cancellation -------------------------------------------------------------

// Cancels n's context and, transitively, its subtree (Monogon: context
// inheritance). A node waiting out a backoff becomes CANCELED at once.
void cancel(engine& e, node& n) {
  if (n.cancelled)
    return;
  n.cancelled = true;
  if (!n.running())
    e.dirty.push_back(n.id); // stopped already: may restart without an exit
  if (n.waiting()) {
    n.run = run_state::idle; // the pending timer (or resume) finds nothing to start
    set_state(e, n, node_state::canceled);
  } else if (!n.running() && n.state == node_state::new_) {
    // Queued for its start (a service behind the one starting now, a tree
    // node behind an earlier chunk): nothing to stop, but it counts as
    // stopped (is_ready), or a group restart or its parent's restart would
    // wait for it forever. A service has no state change to report; a tree
    // node that never started ends CANCELED, as one created under a
    // cancelled parent.
    if (n.entry)
      n.state = node_state::canceled;
    else
      set_state(e, n, node_state::canceled);
  } else {
    request_stop(n);
  }
  for (auto& c : n.children())
    cancel(e, *c);
}

// A dead node takes its group down with it (one-for-all).
void cancel_group(engine& e, node& n) {
  if (!n.parent || n.group == no_group)
    return;
  // Its group: the run of consecutive siblings from its first member on.
  auto& siblings = n.parent->tree.get().children;
  for (auto i = size_t{n.group}; i < siblings.size() && siblings[i]->group == n.group; ++i)
    if (siblings[i].get() != &n)
      cancel(e, *siblings[i]);
}

// A node for a registered service, under the supervisor's top node.
node& make_service(engine& e, service_entry& entry) {
  auto* n = make_node(e, e.root.get(), entry.name, {}, entry.id); // body(): the entry's
  n->entry = &entry;
  std::lock_guard<std::mutex> guard{e.reg->mtx};
  entry.has_dn = true; // its DN: child_dn(reg->run_dn, name), as n->dn
  return *n;
}

// A service leaves for good (removed, do_not_restart, temporary): unlisted
// now, forgotten (and its name free again) once its subtree has stopped.
void leave(engine& e, node& n) {
  if (n.fate == disposition::removed || n.fate == disposition::retired)
    return;
  n.fate = disposition::retired;
  e.leaving.push_back(&n);
  publish(e, n, news::fate);
}

// A service that ended cleanly and is kept without restarting (transient,
// done, terminate_child): restart_child may start it again.
void park(engine& e, node& n) {
  n.fate = disposition::parked;
  publish(e, n, news::fate);
}

// A removed or left service whose subtree has stopped: drop its node and its
// registration; remove_and_wait() callers wake up.
void forget_service(engine& e, node& n) {
  drop_children(e, n);
  e.names->erase(n.dn, &n);
  e.by_id.erase(n.id);
  e.histories.erase(n.id);
  e.group_restart.erase(std::remove(e.group_restart.begin(), e.group_restart.end(), &n),
                        e.group_restart.end());
  {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    e.reg->erase_locked(n.entry->id);
  }
  auto& siblings = e.root->tree.get().children;
  siblings.erase(std::find_if(siblings.begin(), siblings.end(),
                              [&](auto& c) { return c.get() == &n; }));
}

} // namespace supervise::detail::core
