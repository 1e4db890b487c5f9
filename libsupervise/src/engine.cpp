// engine.cpp — the supervision state machine, top to bottom.
//
// One event-based actor owns a table of nodes (like Monogon's processor).
// The same engine plays three roles:
//  - a tree: its top node is the root runnable (Monogon semantics);
//  - a standalone supervisor: its top node is the supervisor itself (no
//    actor of its own) and its children are the registered services;
//  - a hosted supervisor: the same, running as the actor of a node of a
//    parent engine, which sees it as any other child.
// Every runnable is a CAF actor bound to its engine both ways: the engine
// watches each child with a *high-priority monitor*, so a child's exit reason
// arrives as a down_msg ahead of any mailbox backlog and is matched by
// address against the *current* incarnation (late messages of replaced
// children find no node and are ignored); and when the engine goes, for any
// reason, it stops every child still running.
// Why not a CAF link: in CAF 0.17 an exit_msg whose reason is
// exit_reason::kill bypasses the exit handler, so a child killed by anyone
// would take its supervisor down with it; and link exits are normal priority.
//
// Node life:   NEW --signal(healthy)--> HEALTHY --exit--> DONE|CANCELED|DEAD
//              (NEW may also exit directly)
//              DONE|CANCELED|DEAD --selected by gc(), cancelled--> NEW (reset)
// A node is restarted only when its context was cancelled (by its own death,
// a group sibling's death or an ancestor's), it and all its descendants have
// stopped, and its parent is live: the highest such node restarts, and its
// runnable re-creates the subtree.
// How long a restart waits depends on the parent:
//  - under a tree node: the node's own exponential backoff (DEAD only);
//  - a service of a supervisor: at once, unless the supervisor's decaying
//    failure counter went above its threshold, which pauses every restart of
//    its services until the backoff pause ends (suture §2).
#include "engine.hpp"

#include <algorithm>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "incarnation.hpp"
#include "supervise/errc.hpp"
#include "supervise/exit_classification.hpp"
#include "supervise/failure_counter.hpp"
#include "supervise/restart_selection.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail {

namespace {

thread_local bool in_hook = false;

constexpr size_t no_group = static_cast<size_t>(-1);

struct node {
  uint64_t id = 0;
  std::string name;
  std::string dn;
  runnable body;
  node* parent = nullptr;
  std::vector<std::unique_ptr<node>> children; // in start order
  std::vector<std::vector<node*>> groups;      // one entry per run_group call
  size_t group = no_group;                     // index into parent->groups

  node_state state = node_state::new_;
  bool cancelled = false;  // the context of this incarnation was cancelled
  bool running = false;    // an actor of this node is alive
  bool waiting = false;    // reset and waiting out a backoff
  bool permanent = false;  // exited with do_not_restart: never restarted
  bool removing = false;   // a service being removed: forgotten once stopped
  uint64_t timer = 0;      // token of the pending backoff timer
  uint64_t number = 0;     // incarnation counter
  service_entry* entry = nullptr; // a supervisor's service: its registration
  std::shared_ptr<incarnation> inc;
  caf::actor handle;       // strong: a child without one exits 'unreachable'
  backoff delays;
};

// Everything the engine needs, whatever its role.
struct engine_options {
  backoff_options backoff; // per-node backoff of tree nodes
  bool propagate_exceptions = false;
  std::chrono::nanoseconds stop_timeout = std::chrono::seconds(10);
  uint64_t seed = 0;
  std::function<void(const std::string&, node_state)> on_state;
  std::shared_ptr<const log_sink> sink;
  std::shared_ptr<const event_hook> hook; // null: the default (logging) hook
};

struct engine : std::enable_shared_from_this<engine> {
  caf::event_based_actor* self = nullptr;
  engine_options opts;
  std::shared_ptr<tree_shared> tree_end;   // role: tree
  std::shared_ptr<supervisor_shared> reg;  // role: supervisor
  std::optional<context> host;             // role: hosted supervisor
  std::unique_ptr<node> root;
  std::unordered_map<uint64_t, node*> by_id;
  std::unordered_map<caf::actor_addr, node*> by_addr; // the running children
  std::unordered_map<uint32_t, node*> by_service;     // a supervisor's services
  std::vector<node*> leaving; // removed or do_not_restart services, until stopped
  uint64_t next_id = 1;
  uint64_t next_timer = 1;
  bool stopping = false;
  bool finished = false;
  caf::error final_error;
  std::mt19937_64 rng;
  // Supervisor failure accounting (suture §2): one counter for all services.
  failure_counter failures;
  bool paused = false;
  uint64_t resume_token = 0;
  std::vector<uint64_t> resume_queue; // services waiting for the pause to end
  // Children that nested supervisors could not stop (recursive report).
  std::vector<unstopped_child> inherited;

  bool is_supervisor() const noexcept { return reg != nullptr; }
  double threshold() const noexcept {
    return reg ? reg->sp.failure_threshold : 0.0;
  }
};

using engine_ptr = std::shared_ptr<engine>;

// -- events ------------------------------------------------------------------

// Whether anyone wants events of this kind: a user hook wants all; the
// default hook only logs failures, backoff, resume and stop timeouts. Checked
// before an event is built, so a silent path costs nothing.
template <class Event>
bool listens(const engine& e) {
  return e.opts.hook || !(std::is_same_v<Event, child_started>
                          || std::is_same_v<Event, child_stopped>);
}

// The header of an event about `n` (or about the supervisor when n is null).
event_header header(const engine& e, const node* n) {
  event_header h;
  if (n == nullptr) // a supervisor-level event
    h.supervisor = e.root->dn;
  else if (n->parent != nullptr)
    h.supervisor = n->parent->dn;
  // else: a tree's root node, which has no supervisor node above it
  h.child = n ? std::string_view{n->dn} : std::string_view{};
  h.failures = e.is_supervisor() ? e.failures.value() : 0.0;
  h.threshold = e.threshold();
  return h;
}

template <class Event>
Event make_event(const event_header& h) {
  Event ev;
  static_cast<event_header&>(ev) = h;
  return ev;
}

// Delivers one event. Runs the hook with the would-deadlock guard set; a
// throwing hook is logged and otherwise ignored.
void deliver(engine& e, const event& ev) {
  if (!e.opts.hook) {
    // The default hook: one line at the supervisor's DN (a tree's root node
    // has none: its own DN).
    auto& h = header_of(ev);
    auto dn = h.supervisor.empty() ? h.child : h.supervisor;
    logger{std::string{dn}, e.opts.sink}.log(level_of(ev), message_of(ev));
    return;
  }
  in_hook = true;
  try {
    (*e.opts.hook)(ev);
  } catch (const std::exception& x) {
    logger{"supervisor", e.opts.sink}.error("event hook threw: {}", x.what());
  } catch (...) {
    logger{"supervisor", e.opts.sink}.error("event hook threw a non-standard exception");
  }
  in_hook = false;
}

// -- helpers -----------------------------------------------------------------

void set_state(engine& e, node& n, node_state s) {
  n.state = s;
  if (n.entry) {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    n.entry->state = s;
    n.entry->running = n.running;
  }
  if (e.opts.on_state)
    e.opts.on_state(n.dn, s);
}

node* make_node(engine& e, node* parent, std::string name, runnable body) {
  auto n = std::make_unique<node>();
  n->id = e.next_id++;
  n->dn = parent ? (parent->dn.empty() ? name : parent->dn + "." + name) : name;
  n->name = std::move(name);
  n->body = std::move(body);
  n->parent = parent;
  n->delays = backoff{e.opts.backoff};
  auto* ptr = n.get();
  e.by_id.emplace(ptr->id, ptr);
  if (parent)
    parent->children.emplace_back(std::move(n));
  else
    e.root = std::move(n);
  return ptr;
}

// Forgets a subtree; its actors have all exited (gc() checked readiness).
void drop_children(engine& e, node& n) {
  for (auto& c : n.children) {
    drop_children(e, *c);
    e.by_id.erase(c->id);
  }
  n.children.clear();
  n.groups.clear();
}

// Sends a stop request ahead of the child's mailbox backlog (high priority);
// a blocking runnable sees it through its context's stop flag.
void request_stop(node& n) {
  if (n.inc)
    n.inc->request_stop();
  if (n.running && n.body.is_event_based())
    caf::anon_send<caf::message_priority::high>(
      n.handle, caf::exit_msg{n.handle.address(), caf::exit_reason::user_shutdown});
}

// Kills an event-based child that did not honour its stop request in time.
void kill(node& n) {
  if (n.running && n.body.is_event_based())
    caf::anon_send<caf::message_priority::high>(
      n.handle, caf::exit_msg{n.handle.address(), caf::exit_reason::kill});
}

// -- spawning a runnable ----------------------------------------------------

caf::error exception_to_error(std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return make_error(errc::runnable_threw, e.what());
  } catch (...) {
    return make_error(errc::runnable_threw, "non-standard exception");
  }
}

caf::actor spawn_runnable(engine& e, const runnable& body, std::shared_ptr<incarnation> inc) {
  bool propagate = e.opts.propagate_exceptions;
  if (body.is_blocking()) {
    // Own thread; the body polls ctx.stop_requested() (kill is not honoured).
    return e.self->spawn(
      [fn = body.blocking_body(), inc, propagate](caf::blocking_actor* a) {
        context ctx{inc};
        caf::error result;
        if (propagate) {
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
  return e.self->spawn(
    [fn = body.event_body(), inc, propagate](caf::event_based_actor* a) -> caf::behavior {
      // The context lives as long as the actor: handlers may hold a reference.
      auto ctx = std::make_shared<context>(inc);
      a->attach_functor([ctx] {});
      a->set_exception_handler(
        [propagate](caf::scheduled_actor*, std::exception_ptr& ep) -> caf::error {
          if (propagate)
            std::rethrow_exception(ep);
          return exception_to_error(ep);
        });
      if (propagate)
        return fn(a, *ctx);
      try {
        return fn(a, *ctx);
      } catch (...) {
        a->quit(exception_to_error(std::current_exception()));
        return {};
      }
    });
}

// NEW (reset or fresh) -> running: a new incarnation gets a new actor.
void start(engine& e, node& n) {
  n.number++;
  n.inc = std::make_shared<incarnation>(n.dn, n.id, n.number, caf::actor{e.self}, e.opts.sink,
                                        e.opts.hook);
  n.handle = spawn_runnable(e, n.body, n.inc);
  // A monitor set after a quick death still reports the original reason.
  e.self->monitor<caf::message_priority::high>(n.handle);
  n.running = true;
  e.by_addr.emplace(n.handle.address(), &n);
  set_state(e, n, node_state::new_);
  if (listens<child_started>(e)) {
    auto ev = make_event<child_started>(header(e, &n));
    ev.incarnation = n.number;
    deliver(e, ev);
  }
}

// -- cancellation -------------------------------------------------------------

// Cancels n's context and, transitively, its subtree (Monogon: context
// inheritance). A node waiting out a backoff becomes CANCELED at once.
void cancel(engine& e, node& n) {
  if (n.cancelled)
    return;
  n.cancelled = true;
  if (n.waiting) {
    n.waiting = false; // the pending timer (or resume) finds nothing to start
    set_state(e, n, node_state::canceled);
  } else {
    request_stop(n);
  }
  for (auto& c : n.children)
    cancel(e, *c);
}

// A dead node takes its group down with it (one-for-all).
void cancel_group(engine& e, node& n) {
  if (!n.parent || n.group == no_group)
    return;
  for (auto* sibling : n.parent->groups[n.group])
    if (sibling != &n)
      cancel(e, *sibling);
}

// -- supervisor failure accounting (suture §2.1) --------------------------------

// One more failure of a service at the actor clock's now. Above the threshold
// the supervisor pauses restarts; every such failure re-arms the pause from
// now (suture quirk 3, kept: a storm of failures keeps the pause going).
void count_failure(engine& e) {
  auto& sp = e.reg->sp;
  auto count = e.failures.add(e.self->clock().now(), sp.failure_decay);
  if (count > sp.failure_threshold) {
    e.paused = true;
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    auto base = std::chrono::duration<double, std::nano>(sp.failure_backoff);
    auto delay = std::chrono::duration_cast<std::chrono::nanoseconds>(
      base * (1.0 + uniform(e.rng) * sp.backoff_jitter));
    e.self->delayed_send(e.self, delay, resume_atom::value, ++e.resume_token);
    if (listens<backoff_entered>(e)) {
      auto ev = make_event<backoff_entered>(header(e, nullptr));
      ev.delay = delay;
      deliver(e, ev);
    }
  }
}

// The pause ended: reset the counter, restart the queued services in order.
void on_resume(engine& e, uint64_t token) {
  if (token != e.resume_token || !e.paused)
    return; // re-armed since: a later timer ends this pause
  e.paused = false;
  e.failures.reset();
  if (listens<backoff_resumed>(e))
    deliver(e, make_event<backoff_resumed>(header(e, nullptr)));
  auto queue = std::move(e.resume_queue);
  e.resume_queue.clear();
  for (auto id : queue) {
    auto i = e.by_id.find(id);
    if (i != e.by_id.end() && i->second->waiting) { // not cancelled or removed since
      i->second->waiting = false;
      start(e, *i->second);
    }
  }
}

// -- restart selection ("gc") -------------------------------------------------

void reschedule(engine& e, node& n);
void forget_service(engine& e, node& n);

// After every exit: forget services that left for good once their subtree has
// stopped, then restart the highest restartable nodes (restart_selection).
// Both are collected first: acting on them mutates the tree.
void gc(engine& e) {
  if (e.stopping || !e.root)
    return;
  if (!e.leaving.empty()) {
    auto still = std::stable_partition(e.leaving.begin(), e.leaving.end(),
                                       [](node* n) { return !is_ready(*n); });
    std::vector<node*> gone(still, e.leaving.end());
    e.leaving.erase(still, e.leaving.end());
    for (auto* n : gone)
      forget_service(e, *n);
  }
  std::vector<node*> selected;
  select_restarts(*e.root, [&](node& n) { selected.push_back(&n); });
  for (auto* n : selected)
    reschedule(e, *n);
}

// DEAD/CANCELED/DONE -> NEW: reset now; start now, after the node's backoff
// (a DEAD tree node) or when the supervisor's pause ends (a service).
void reschedule(engine& e, node& n) {
  std::chrono::nanoseconds delay{0};
  if (n.state == node_state::dead && !n.entry) {
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    delay = n.delays.next(uniform(e.rng));
  }
  drop_children(e, n);
  n.cancelled = false;
  n.inc.reset();
  n.state = node_state::new_;
  if (n.entry && e.paused) {
    // A service during the supervisor's pause: queued until it resumes.
    n.waiting = true;
    e.resume_queue.push_back(n.id);
    set_state(e, n, node_state::new_);
    return;
  }
  if (delay.count() == 0) {
    start(e, n);
    return;
  }
  logger{n.dn, e.opts.sink}.info("restarting after backoff of {} ms",
                                 std::chrono::duration_cast<std::chrono::milliseconds>(delay)
                                   .count());
  n.waiting = true;
  n.timer = e.next_timer++;
  e.self->delayed_send(e.self, delay, start_atom::value, n.id, n.timer);
}

// A node for a registered service, under the supervisor's top node.
node& make_service(engine& e, service_entry& entry) {
  auto* n = make_node(e, e.root.get(), entry.name, entry.body);
  n->entry = &entry;
  e.by_service.emplace(entry.id, n);
  std::lock_guard<std::mutex> guard{e.reg->mtx};
  entry.dn = n->dn;
  return *n;
}

// A removed or do_not_restart service whose subtree has stopped: drop its
// node and its registration; remove_and_wait() callers wake up.
void forget_service(engine& e, node& n) {
  drop_children(e, n);
  e.by_id.erase(n.id);
  e.by_service.erase(n.entry->id);
  {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    e.reg->services.erase(n.entry->id);
    e.reg->cv.notify_all();
  }
  auto& siblings = e.root->children;
  siblings.erase(std::find_if(siblings.begin(), siblings.end(),
                              [&](auto& c) { return c.get() == &n; }));
}

// -- shutdown -------------------------------------------------------------------

// The children still running, as a report (blocking ones are the hung ones).
std::vector<unstopped_child> running_report(const engine& e, bool blocking_only) {
  std::vector<unstopped_child> out;
  for (auto& [addr, n] : e.by_addr) {
    if (blocking_only && n->body.is_event_based())
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

// What this run ends with towards its parent or its handle: the stop
// reason, with a terminate_tree turned into do_not_restart when this
// supervisor does not propagate termination.
caf::error end_reason(const engine& e) {
  if (e.reg && e.reg->sp.dont_propagate_termination && e.final_error == errc::terminate_tree)
    return errc::do_not_restart;
  return e.final_error;
}

// The end of a run: publish the result where its owner looks, then quit.
void finish(engine& e, std::vector<unstopped_child> hung) {
  if (e.finished)
    return;
  e.finished = true;
  auto reason = end_reason(e);
  if (e.host) {
    // Hosted: the parent engine reads the report when it handles our exit.
    auto& inc = e.host->impl();
    std::lock_guard<std::mutex> guard{inc.mtx};
    inc.unstopped = std::move(hung);
  } else if (e.reg) {
    e.reg->finish(reason, std::move(hung));
  } else {
    e.tree_end->finish(reason, hung);
  }
  e.self->quit(reason);
}

// Quits once nothing runs any more.
void maybe_finish(engine& e) {
  if (e.stopping && e.by_addr.empty())
    finish(e, running_report(e, true));
}

// Stops every child (cancel is a high-priority stop request) and arms the
// stop timeout. A second call only keeps the first reason.
void begin_stop(engine& e, caf::error reason) {
  if (!e.stopping) {
    e.stopping = true;
    e.final_error = std::move(reason);
    e.self->delayed_send(e.self, e.opts.stop_timeout, stop_timeout_atom::value);
  }
  if (e.root)
    cancel(e, *e.root);
  maybe_finish(e);
}

// The stop timeout ran out: kill event-based children that still run; end
// without the blocking ones (they cannot be killed) and report them.
void on_stop_timeout(engine& e) {
  if (e.finished)
    return;
  std::vector<node*> late;
  for (auto& [addr, n] : e.by_addr)
    late.push_back(n);
  for (auto* n : late) {
    if (listens<stop_timed_out>(e)) {
      auto ev = make_event<stop_timed_out>(header(e, n));
      ev.timeout = e.opts.stop_timeout;
      deliver(e, ev);
    }
    kill(*n);
  }
  auto hung = running_report(e, true);
  if (std::any_of(late.begin(), late.end(), [](node* n) { return n->body.is_blocking(); }))
    finish(e, std::move(hung)); // blocking stragglers: end now, reported
}

// A removed service did not stop within spec.timeout: report, kill.
void on_remove_timeout(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || !i->second->running || i->second->number != number)
    return;
  auto& n = *i->second;
  if (listens<stop_timed_out>(e)) {
    auto ev = make_event<stop_timed_out>(header(e, &n));
    ev.timeout = e.opts.stop_timeout;
    deliver(e, ev);
  }
  kill(n);
}

// -- exits ------------------------------------------------------------------------

void on_exit(engine& e, caf::down_msg& msg) {
  auto i = e.by_addr.find(msg.source);
  if (i == e.by_addr.end())
    return; // a replaced incarnation or a foreign actor: not ours to judge
  auto& n = *i->second;
  e.by_addr.erase(i);
  n.running = false;
  n.handle = nullptr;
  bool done;
  {
    std::lock_guard<std::mutex> guard{n.inc->mtx};
    n.inc->exited = true; // from now on the old context is stale
    done = n.inc->done;
    // A nested supervisor's stragglers become part of our report.
    e.inherited.insert(e.inherited.end(), n.inc->unstopped.begin(), n.inc->unstopped.end());
  }
  n.inc->request_stop(); // wake anything still waiting on this context
  auto outcome = classify({msg.reason, done, n.cancelled});
  if (n.removing) {
    // A removed service: gone for good whatever the reason; not a failure.
    outcome = exit_outcome::canceled;
  }
  switch (outcome) {
    case exit_outcome::done:
    case exit_outcome::canceled:
      // Clean ends: nothing else is touched; gc() decides about a restart.
      set_state(e, n, state_after(outcome));
      if (listens<child_stopped>(e)) {
        auto ev = make_event<child_stopped>(header(e, &n));
        ev.state = n.state;
        ev.reason = msg.reason;
        ev.removed = n.removing;
        deliver(e, ev);
      }
      break;
    case exit_outcome::stop_for_good:
      // do_not_restart: this node stays down; children and group untouched;
      // a service leaves its supervisor quietly.
      n.permanent = true;
      if (n.entry) { // unlisted now, forgotten once its subtree stopped
        e.leaving.push_back(&n);
        std::lock_guard<std::mutex> guard{e.reg->mtx};
        n.entry->removing = true;
      }
      set_state(e, n, state_after(outcome));
      if (listens<child_stopped>(e)) {
        auto ev = make_event<child_stopped>(header(e, &n));
        ev.state = n.state;
        ev.reason = msg.reason;
        ev.removed = n.entry != nullptr;
        deliver(e, ev);
      }
      break;
    case exit_outcome::dead: {
      // Failure: count it (services, unless the supervisor is stopping),
      // report it, then cancel the node's subtree and its group.
      set_state(e, n, node_state::dead);
      if (n.entry && !e.stopping)
        count_failure(e);
      if (listens<child_failed>(e)) {
        auto ev = make_event<child_failed>(header(e, &n));
        ev.reason = msg.reason ? msg.reason
                               : make_error(errc::returned_without_done, n.dn);
        ev.restarting = !e.stopping && !(n.entry && e.paused);
        deliver(e, ev);
      }
      cancel(e, n);
      cancel_group(e, n);
      break;
    }
    case exit_outcome::terminate_tree:
      // This engine stops, and ends with this reason (see end_reason()).
      set_state(e, n, state_after(outcome));
      if (listens<child_stopped>(e)) {
        auto ev = make_event<child_stopped>(header(e, &n));
        ev.state = n.state;
        ev.reason = msg.reason;
        deliver(e, ev);
      }
      begin_stop(e, msg.reason);
      break;
  }
  gc(e);
  maybe_finish(e);
}

// -- requests from contexts -------------------------------------------------------

// The runnable of node `id` called run/run_group: create and start children.
void on_run(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || i->second->number != number || !i->second->inc)
    return; // the requesting incarnation is gone: its children with it
  auto& n = *i->second;
  std::vector<child_list> pending;
  {
    std::lock_guard<std::mutex> guard{n.inc->mtx};
    pending.swap(n.inc->pending);
  }
  for (auto& members : pending) {
    n.groups.emplace_back();
    auto group = n.groups.size() - 1;
    for (auto& [name, body] : members) {
      auto* c = make_node(e, &n, std::move(name), std::move(body));
      c->group = group;
      n.groups[group].push_back(c);
    }
    // Start in order. Under a cancelled parent a child never starts: CANCELED.
    for (auto* c : n.groups[group]) {
      if (n.cancelled || e.stopping) {
        c->cancelled = true;
        set_state(e, *c, node_state::canceled);
      } else {
        start(e, *c);
      }
    }
  }
}

void on_signal(engine& e, uint64_t id, uint64_t number, int32_t s) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || i->second->number != number)
    return;
  auto& n = *i->second;
  n.delays.reset(); // healthy and done both reset the backoff
  if (static_cast<signal_type>(s) == signal_type::healthy && n.running)
    set_state(e, n, node_state::healthy);
}

// The backoff of node `id` ran out: start it unless it was cancelled since.
void on_backoff_over(engine& e, uint64_t id, uint64_t token) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || !i->second->waiting || i->second->timer != token)
    return;
  auto& n = *i->second;
  n.waiting = false;
  start(e, n);
}

// -- requests from a supervisor handle ----------------------------------------------

// add(): the registration is in the handle; start it now, even during a pause.
void on_add(engine& e, uint32_t service) {
  if (e.stopping)
    return; // registered; a later run starts it
  service_entry* entry = nullptr;
  {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    auto i = e.reg->services.find(service);
    if (i == e.reg->services.end() || i->second.removing)
      return; // removed again before we saw it
    entry = &i->second;
  }
  if (e.by_service.count(service) > 0)
    return; // already started by this run's initial start
  start(e, make_service(e, *entry));
}

// remove(): stop the service; it is forgotten once its subtree has stopped.
void on_remove(engine& e, uint32_t service) {
  auto i = e.by_service.find(service);
  if (i == e.by_service.end() || i->second->removing)
    return;
  auto* n = i->second;
  n->removing = true;
  e.leaving.push_back(n);
  cancel(e, *n);
  if (n->running)
    e.self->delayed_send(e.self, e.opts.stop_timeout, remove_timeout_atom::value, n->id,
                         n->number);
  gc(e); // a service that was not running goes at once
  maybe_finish(e);
}

// -- the actor -------------------------------------------------------------------

// Handlers shared by all roles. Each captures the engine: it lives as long as
// the actor's behaviour, and `attach_functor` stops the children when the
// actor goes for any reason (a kill included).
caf::behavior engine_behavior(const engine_ptr& ep) {
  auto* self = ep->self;
  self->set_down_handler([ep](caf::down_msg& msg) { on_exit(*ep, msg); });
  // An exit request (or the death of a linked actor) stops in order.
  self->set_exit_handler([ep](caf::exit_msg& msg) {
    if (msg.reason)
      begin_stop(*ep, caf::error{});
  });
  self->attach_functor([ep](const caf::error& reason) {
    // Link semantics: nothing outlives the engine unsupervised.
    auto hung = running_report(*ep, true);
    for (auto& entry : ep->by_addr)
      request_stop(*entry.second);
    if (!ep->finished) { // killed, or torn down with the actor system
      ep->finished = true;
      if (ep->host) {
        std::lock_guard<std::mutex> guard{ep->host->impl().mtx};
        ep->host->impl().unstopped = std::move(hung);
      } else if (ep->reg) {
        ep->reg->finish(reason, std::move(hung));
      } else {
        ep->tree_end->finish(reason, hung);
      }
    }
    // Incarnations hold a handle to this actor, and this actor's handlers
    // hold the engine: drop the node table to break the cycle.
    ep->by_addr.clear();
    ep->by_id.clear();
    ep->by_service.clear();
    ep->leaving.clear();
    ep->root.reset();
    ep->host.reset();
  });
  return {
    [ep](run_atom, uint64_t id, uint64_t number) { on_run(*ep, id, number); },
    [ep](signal_atom, uint64_t id, uint64_t number, int32_t s) {
      on_signal(*ep, id, number, s);
    },
    [ep](start_atom, uint64_t id, uint64_t token) { on_backoff_over(*ep, id, token); },
    [ep](stop_atom) { begin_stop(*ep, caf::error{}); },
    [ep](stop_timeout_atom) { on_stop_timeout(*ep); },
    [ep](add_atom, uint32_t service) { on_add(*ep, service); },
    [ep](remove_atom, uint32_t service) { on_remove(*ep, service); },
    [ep](remove_timeout_atom, uint64_t id, uint64_t number) {
      on_remove_timeout(*ep, id, number);
    },
    [ep](resume_atom, uint64_t token) { on_resume(*ep, token); },
  };
}

engine_ptr make_engine(caf::event_based_actor* self, engine_options opts) {
  auto ep = std::make_shared<engine>();
  ep->self = self;
  if (!opts.sink)
    opts.sink = std::make_shared<const log_sink>(stderr_sink());
  ep->rng.seed(opts.seed != 0 ? opts.seed : std::random_device{}());
  ep->opts = std::move(opts);
  return ep;
}

// A supervisor's run: the top node is the supervisor; start every registered
// service in add order.
caf::behavior supervisor_behavior(caf::event_based_actor* self, std::string dn,
                                  std::shared_ptr<supervisor_shared> shared,
                                  engine_options opts, const context* host) {
  auto ep = make_engine(self, std::move(opts));
  ep->reg = shared;
  if (host)
    ep->host.emplace(*host);
  auto behavior = engine_behavior(ep);
  auto* top = make_node(*ep, nullptr, std::move(dn), {});
  top->state = node_state::healthy; // runs as long as the engine does
  std::vector<service_entry*> initial;
  {
    std::lock_guard<std::mutex> guard{shared->mtx};
    for (auto& [id, entry] : shared->services)
      if (!entry.removing)
        initial.push_back(&entry);
  }
  for (auto* entry : initial)
    start(*ep, make_service(*ep, *entry));
  return behavior;
}

engine_options supervisor_options(const supervisor_shared& shared, const context* host) {
  engine_options opts;
  auto& sp = shared.sp;
  opts.propagate_exceptions = sp.pass_through_exceptions;
  opts.stop_timeout = sp.timeout;
  opts.seed = sp.seed;
  opts.on_state = sp.on_state;
  if (sp.sink)
    opts.sink = std::make_shared<const log_sink>(sp.sink);
  else if (host)
    opts.sink = host->impl().sink;
  if (sp.on_event)
    opts.hook = std::make_shared<const event_hook>(sp.on_event);
  else if (host)
    opts.hook = host->impl().hook; // the nearest ancestor's hook
  return opts;
}

} // namespace

bool inside_hook() noexcept { return in_hook; }

caf::actor spawn_tree_engine(caf::actor_system& sys, runnable root, tree_options topts,
                             std::shared_ptr<tree_shared> shared) {
  return sys.spawn([root = std::move(root), topts = std::move(topts),
                    shared](caf::event_based_actor* self) mutable -> caf::behavior {
    engine_options opts;
    opts.backoff = topts.backoff;
    opts.propagate_exceptions = topts.propagate_exceptions;
    opts.stop_timeout = topts.stop_timeout;
    opts.seed = topts.seed;
    opts.on_state = std::move(topts.on_state);
    if (topts.sink)
      opts.sink = std::make_shared<const log_sink>(std::move(topts.sink));
    if (topts.on_event)
      opts.hook = std::make_shared<const event_hook>(std::move(topts.on_event));
    auto ep = make_engine(self, std::move(opts));
    ep->tree_end = shared;
    auto behavior = engine_behavior(ep);
    auto* top = make_node(*ep, nullptr, "root", std::move(root));
    start(*ep, *top);
    return behavior;
  });
}

caf::actor spawn_supervisor_engine(caf::actor_system& sys,
                                   std::shared_ptr<supervisor_shared> shared) {
  return sys.spawn([shared](caf::event_based_actor* self) -> caf::behavior {
    return supervisor_behavior(self, shared->name, shared, supervisor_options(*shared, nullptr),
                               nullptr);
  });
}

caf::behavior host_supervisor(caf::event_based_actor* self, context& ctx,
                              std::shared_ptr<supervisor_shared> shared) {
  {
    std::lock_guard<std::mutex> guard{shared->mtx};
    if (shared->phase != run_phase::idle) {
      // Running elsewhere, or a standalone run (live or ended): this run
      // fails, clearly.
      self->quit(make_error(shared->phase == run_phase::finished ? errc::not_running
                                                                 : errc::already_started,
                            shared->name));
      return {};
    }
    shared->phase = run_phase::hosted;
    shared->ever_ran = true;
    shared->engine = caf::actor{self};
  }
  // Back to idle when this run ends, however it ends.
  self->attach_functor([shared] {
    std::lock_guard<std::mutex> guard{shared->mtx};
    shared->phase = run_phase::idle;
    shared->engine = nullptr;
    for (auto& [id, entry] : shared->services)
      entry.running = false;
    shared->cv.notify_all();
  });
  auto behavior = supervisor_behavior(self, ctx.dn(), shared, supervisor_options(*shared, &ctx),
                                      &ctx);
  signal(ctx, signal_type::healthy); // its services were spawned
  return behavior;
}

} // namespace supervise::detail
