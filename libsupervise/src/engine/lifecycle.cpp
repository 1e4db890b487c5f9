// engine/lifecycle.cpp — a node's life: listed, spawned, cancelled, parked, forgotten.
#include "engine/engine.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "engine/events.hpp"
#include "event_runnable_actor.hpp"
#include "name.hpp"
#include "name_table.hpp"
#include "pooled_blocking_actor.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

// Publishes n's state to the name table and the registry. The first change
// after an exit also publishes the exit (no actor listed): one lock section
// each, not two.
void set_state(engine& e, node& n, node_state s) {
  n.state = s;
  bool exited = n.exit_unlisted; // (a bit-field: no std::exchange)
  n.exit_unlisted = false;
  e.names->state(n.dn, &n, s, exited);
  if (n.entry) {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    n.entry->state = s;
    n.entry->running = n.running;
    n.entry->idle = n.idle;
    if (exited)
      n.entry->actor = nullptr;
  }
  if (e.opts.on_state)
    e.opts.on_state(n.dn, s);
}

// An exit that no state change published (see set_state).
void publish_exit(engine& e, node& n) {
  if (!n.exit_unlisted)
    return;
  n.exit_unlisted = false;
  e.names->down(n.dn, &n);
  if (n.entry) {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    n.entry->actor = nullptr;
  }
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
  }
  if (auto* t = n.tree.ptr()) { // frees them (clear() would keep the room)
    t->children = decltype(t->children){};
    t->groups = {};
  }
}

// Sends a stop request ahead of the child's mailbox backlog (high priority);
// a blocking runnable sees it through its context's stop flag.
void request_stop(node& n) {
  if (n.inc && !n.inc->stop.load(std::memory_order_acquire)) // else told, or closed
    n.inc->request_stop();
  if (n.running && n.body().is_event_based())
    caf::anon_send<caf::message_priority::high>(
      n.handle, caf::exit_msg{n.handle.address(), caf::exit_reason::user_shutdown});
}

// Kills an event-based child that did not honour its stop request in time.
void kill(node& n) {
  if (n.running && n.body().is_event_based())
    caf::anon_send<caf::message_priority::high>(
      n.handle, caf::exit_msg{n.handle.address(), caf::exit_reason::kill});
}

// -- spawning a runnable ----------------------------------------------------

// The incarnation says whether the runnable reports up (`reports`: a
// `started`-ready one, when its init returns; a blocking one, when its body
// begins) and, through its env, whether exceptions propagate.
caf::actor spawn_runnable(engine& e, const runnable& body, std::shared_ptr<incarnation> inc) {
  if (body.is_blocking()) {
    // A thread of its own (reused from the pool); the body polls
    // ctx.stop_requested() (kill is not honoured).
    return e.self->spawn<pooled_blocking_actor>(
      [fn = body.blocking_body(), inc = std::move(inc)](caf::blocking_actor* a) {
        if (inc->reports)
          report_up(*inc);
        context ctx{inc};
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
  return e.self->spawn<event_runnable_actor>(body, std::move(inc));
}

// Whether a service's start gates something, so its up must be heard: the
// initial batch (start() waits), a first start (start_child waits), a
// restart_child, or an ordered start queued behind it.
bool follows_start(const engine& e, const node& n) {
  return e.initial_start || n.manual || n.number == 1
         || (e.reg->sp.strategy != strategy::simple_one_for_one && !e.start_queue.empty());
}

// NEW (reset or fresh) -> running: a new incarnation gets a new actor.
void start(engine& e, node& n) {
  n.number++;
  n.up = false;
  n.timed_out = false;
  bool reports = n.entry && n.entry->ready == child_spec::ready_t::started;
  n.inc = std::make_shared<incarnation>(n.dn, n.id, n.number, e.env, reports);
  // A service's start is followed when something waits for it; a
  // healthy-ready one signals anyway. Otherwise (an automatic restart)
  // pump_starts() asks later if an ordered start comes to wait behind it.
  n.tracked = n.entry && (!reports || follows_start(e, n));
  if (reports && n.tracked)
    n.inc->progress.store(incarnation::wanted, std::memory_order_relaxed); // before the child runs
  // An event-based child's actor sends its down_msg itself (report_exit); a
  // blocking one is monitored: measured 30-35 us faster per blocking restart
  // (bench row `blocking`), and a thread per child dwarfs a monitor's 48 B.
  n.handle = spawn_runnable(e, n.body(), n.inc);
  if (n.body().is_blocking())
    e.self->monitor<caf::message_priority::high>(n.handle); // set after a quick death, still reports
  n.running = true;
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
  // Listed as NEW with its new actor: one lock section each.
  e.names->started(n.dn, &n, n.handle, n.number - 1, now(e));
  if (n.entry) {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    n.entry->actor = n.handle;
    n.entry->restarts = n.number - 1;
    n.entry->state = node_state::new_;
    n.entry->running = true;
    n.entry->idle = n.idle;
  }
  if (e.opts.on_state)
    e.opts.on_state(n.dn, node_state::new_);
  emit<child_started>(e, &n, [&](child_started& ev) { ev.incarnation = n.number; });
}

// -- cancellation -------------------------------------------------------------

// Cancels n's context and, transitively, its subtree (Monogon: context
// inheritance). A node waiting out a backoff becomes CANCELED at once.
void cancel(engine& e, node& n) {
  if (n.cancelled)
    return;
  n.cancelled = true;
  if (!n.running)
    e.dirty.push_back(n.id); // stopped already: may restart without an exit
  if (n.waiting) {
    n.waiting = false; // the pending timer (or resume) finds nothing to start
    set_state(e, n, node_state::canceled);
  } else if (!n.running && n.state == node_state::new_) {
    // Queued for its start (behind the service starting now): nothing to stop,
    // no state change to report, but it counts as stopped (is_ready), or a
    // group restart would wait for it forever.
    n.state = node_state::canceled;
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
  for (auto* sibling : n.parent->tree.get().groups[n.group])
    if (sibling != &n)
      cancel(e, *sibling);
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
  if (n.stopped_for_good || n.removing)
    return;
  n.stopped_for_good = true;
  e.leaving.push_back(&n);
  std::lock_guard<std::mutex> guard{e.reg->mtx};
  n.entry->removing = true; // the name stays taken until forget_service()
}

// A service that ended cleanly and is kept without restarting (transient,
// done, terminate_child): restart_child may start it again.
void park(engine& e, node& n) {
  n.idle = true;
  std::lock_guard<std::mutex> guard{e.reg->mtx};
  n.entry->idle = true;
  e.reg->cv.notify_all();
}

// A removed or left service whose subtree has stopped: drop its node and its
// registration; remove_and_wait() callers wake up.
void forget_service(engine& e, node& n) {
  drop_children(e, n);
  e.names->erase(n.dn, &n);
  e.by_id.erase(n.id);
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
