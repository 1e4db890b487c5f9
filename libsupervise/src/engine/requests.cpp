// engine/requests.cpp — what runnables (run, signal) and handles (add, remove, ...) ask for.
#include "engine/engine.hpp"

#include <utility>

#include <caf/all.hpp>

#include "engine/events.hpp"
#include "incarnation.hpp"
#include "supervise/context.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

namespace {

// Tree nodes started per handler; the engine yields between chunks (a
// self-message), as pump_starts() does for services: spawning thousands of
// actors from one handler is quadratic in CAF 0.17's work-stealing queues.
constexpr size_t tree_start_chunk = 128;

} // namespace

// The runnable of node `id` called run/run_group: its children join the tree
// now, each group as consecutive children, and queue for their start.
void on_run(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || i->second->number != number || !i->second->inc)
    return; // the requesting incarnation is gone: its children with it
  auto& n = *i->second;
  std::vector<child_list> pending;
  {
    std::lock_guard<std::mutex> guard{n.inc->mtx};
    pending.swap(n.inc->pending());
  }
  for (auto& members : pending) {
    // The group is named by its first member's index (node::group).
    auto group = static_cast<uint32_t>(n.children().size());
    for (auto& [name, body] : members) {
      auto* c = make_node(e, &n, std::move(name), std::move(body));
      c->group = group;
      if (n.cancelled || e.stopping) { // under a cancelled parent a child never starts
        c->cancelled = true;
        set_state(e, *c, node_state::canceled);
      } else {
        e.tree_queue.push_back(c->id); // started in order, after those queued before
      }
    }
  }
  pump_tree_starts(e);
}

// Starts queued tree nodes in order, tree_start_chunk per handler; the rest
// after a message to ourselves. Nodes are looked up by id: one dropped since
// (its parent restarted) is skipped, as is one a restart started already
// (cancelled while queued, then selected) and one cancelled while queued
// (CANCELED by cancel(), which counts it as stopped).
void pump_tree_starts(engine& e) {
  size_t budget = tree_start_chunk;
  while (!e.tree_queue.empty()) {
    if (budget == 0) {
      // The rest in a later handler. High priority: behind the signals and
      // exits the started children already sent, so the engine keeps up with
      // them (a backlog of 100,000 signals would hold 140 B per child).
      if (!std::exchange(e.tree_pump_pending, true))
        e.self->send<caf::message_priority::high>(e.self, tree_pump_atom::value);
      return;
    }
    auto i = e.by_id.find(e.tree_queue.front());
    e.tree_queue.pop_front();
    if (i == e.by_id.end())
      continue; // dropped with its parent's subtree
    auto& c = *i->second;
    if (c.number != 0 || c.running() || c.waiting() || c.cancelled)
      continue; // started already by a restart, or cancelled while queued
    if (e.stopping || (c.parent && c.parent->cancelled)) {
      // An ordered stop has not reached its ancestor yet: it never starts,
      // CANCELED (cancel() takes a queued node as stopped).
      cancel(e, c);
      continue;
    }
    start(e, c);
    --budget;
  }
}

void on_signal(engine& e, uint64_t id, uint64_t number, int32_t s) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || i->second->number != number)
    return;
  auto& n = *i->second;
  if (auto* t = n.tree.ptr(); t && t->delays.wants_healthy_time())
    t->delays.healthy_at(now(e)); // healthy and done: a reset if it lasts (its exit)
  if (static_cast<signal_type>(s) == signal_type::healthy && n.running()) {
    set_state(e, n, node_state::healthy);
    emit<child_healthy>(e, &n, [&](child_healthy& ev) { ev.incarnation = n.number; });
    if (n.entry && n.entry->ready == child_spec::ready_t::healthy)
      mark_up(e, n);
  }
}

// The backoff of node `id` ran out: start it unless it was cancelled since.
void on_backoff_over(engine& e, uint64_t id, uint64_t token) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || !i->second->waiting() || i->second->tree.view().timer != token)
    return;
  start(e, *i->second);
}

// -- requests from a supervisor handle ----------------------------------------------

// The node of registered service `id` in this run; null if it has none.
node* service_node(engine& e, uint32_t id) {
  auto i = e.by_id.find(id);
  return i != e.by_id.end() && i->second->entry ? i->second : nullptr;
}

// add()/start_child(): the registration is in the handle; queue its start
// now, even during a pause (suture: add ignores backoff).
void on_add(engine& e, uint32_t service) {
  if (e.stopping)
    return; // registered; a later run starts it
  service_entry* entry = nullptr;
  {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    auto i = e.reg->services.find(service);
    if (i == e.reg->services.end())
      return;
    if (i->second.removing) { // removed again before we saw it
      if (!service_node(e, service)) // and never ran: forget it (frees the name)
        e.reg->erase_locked(service);
      return;
    }
    entry = &i->second;
  }
  if (service_node(e, service))
    return; // already started by this run's initial start
  enqueue_start(e, make_service(e, *entry));
}

// remove()/delete_child(): stop the service by its shutdown spec; it is
// forgotten once its subtree has stopped.
void on_remove(engine& e, uint32_t service) {
  auto* n = service_node(e, service);
  if (!n || n->fate == disposition::removed || n->fate == disposition::retired)
    return;
  n->fate = disposition::removed; // over held, parked or terminating
  e.leaving.push_back(n);
  cancel(e, *n);
  arm_shutdown(e, *n);
  select_restarts(e, 0); // a service that was not running goes at once
  maybe_finish(e);
}

// terminate_child(): stop it by its shutdown spec and keep the spec (a
// temporary child's goes).
void on_terminate(engine& e, uint32_t service) {
  auto* sn = service_node(e, service);
  if (!sn || sn->fate == disposition::removed || sn->fate == disposition::retired || e.stopping)
    return;
  auto& n = *sn;
  if (n.running()) {
    n.fate = disposition::terminating;
    cancel(e, n);
    arm_shutdown(e, n);
    return;
  }
  // Not running (waiting out a backoff, queued, or idle): settle it now.
  cancel(e, n);
  if (n.entry->restart == restart_type::temporary)
    leave(e, n);
  else
    park(e, n);
  select_restarts(e, 0);
}

// restart_child(): start an idle service again (not counted as a restart).
void on_restart(engine& e, uint32_t service) {
  auto* sn = service_node(e, service);
  if (!sn || e.stopping)
    return;
  auto& n = *sn;
  if (n.running() || n.fate != disposition::parked)
    return;
  n.fate = disposition::normal;
  n.manual = true;
  publish(e, n, news::fate);
  drop_children(e, n);
  n.cancelled = false;
  n.inc.reset();
  enqueue_start(e, n);
}

} // namespace supervise::detail::core
