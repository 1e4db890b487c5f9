// engine.cpp — the supervision state machine, top to bottom.
//
// One event-based actor owns the whole node table of a tree (like Monogon's
// processor). Every runnable is a CAF actor bound to it both ways: the engine
// watches each child with a *high-priority monitor*, so a child's exit reason
// arrives as a down_msg ahead of any mailbox backlog and is matched by
// address against the *current* incarnation (late messages of replaced
// children find no node and are ignored); and when the engine goes, for any
// reason, its state's destructor stops every child still running.
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
// runnable re-creates the subtree. DEAD waits its backoff; others restart at
// once.
#include "engine.hpp"

#include <algorithm>
#include <random>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "incarnation.hpp"
#include "supervise/errc.hpp"
#include "supervise/exit_classification.hpp"
#include "supervise/restart_selection.hpp"

namespace supervise::detail {

namespace {

struct node {
  uint64_t id = 0;
  std::string name;
  std::string dn;
  runnable body;
  node* parent = nullptr;
  std::vector<std::unique_ptr<node>> children; // in start order
  std::vector<std::vector<node*>> groups;      // one entry per run_group call
  size_t group = 0;                            // index into parent->groups

  node_state state = node_state::new_;
  bool cancelled = false;  // the context of this incarnation was cancelled
  bool running = false;    // an actor of this node is alive
  bool waiting = false;    // reset and waiting out its backoff
  bool permanent = false;  // exited with do_not_restart: never restarted
  uint64_t timer = 0;      // token of the pending backoff timer
  uint64_t number = 0;     // incarnation counter
  std::shared_ptr<incarnation> inc;
  caf::actor handle;       // strong: a child without one exits 'unreachable'
  backoff delays;
};

void request_stop(node& n);

struct engine_state {
  static inline const char* name = "supervise.engine";

  // The engine is gone: nothing may outlive it unsupervised (link semantics).
  ~engine_state() {
    for (auto& entry : by_addr)
      request_stop(*entry.second);
  }

  tree_options opts;
  std::shared_ptr<tree_shared> shared;
  std::shared_ptr<const log_sink> sink;
  std::unique_ptr<node> root;
  std::unordered_map<uint64_t, node*> by_id;
  std::unordered_map<caf::actor_addr, node*> by_addr;
  uint64_t next_id = 1;
  uint64_t next_timer = 1;
  bool stopping = false;
  caf::error final_error;
  std::mt19937_64 rng;
};

using engine_actor = caf::stateful_actor<engine_state>;

// -- helpers -----------------------------------------------------------------

logger supervisor_log(engine_actor* self) {
  return logger{"supervisor", self->state.sink};
}

void set_state(engine_actor* self, node& n, node_state s) {
  n.state = s;
  if (self->state.opts.on_state)
    self->state.opts.on_state(n.dn, s);
}

node* make_node(engine_actor* self, node* parent, std::string name, runnable body) {
  auto& st = self->state;
  auto n = std::make_unique<node>();
  n->id = st.next_id++;
  n->dn = parent ? parent->dn + "." + name : name;
  n->name = std::move(name);
  n->body = std::move(body);
  n->parent = parent;
  n->delays = backoff{st.opts.backoff};
  auto* ptr = n.get();
  st.by_id.emplace(ptr->id, ptr);
  if (parent)
    parent->children.emplace_back(std::move(n));
  else
    st.root = std::move(n);
  return ptr;
}

// Forgets a subtree; its actors have all exited (gc() checked readiness).
void drop_children(engine_actor* self, node& n) {
  for (auto& c : n.children) {
    drop_children(self, *c);
    self->state.by_id.erase(c->id);
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

caf::actor spawn_runnable(engine_actor* self, const runnable& body,
                          std::shared_ptr<incarnation> inc) {
  bool propagate = self->state.opts.propagate_exceptions;
  if (body.is_blocking()) {
    // Own thread; the body polls ctx.stop_requested() (kill is not honoured).
    return self->spawn(
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
  return self->spawn(
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
void start(engine_actor* self, node& n) {
  auto& st = self->state;
  n.number++;
  n.inc = std::make_shared<incarnation>(n.dn, n.id, n.number, caf::actor{self}, st.sink);
  n.handle = spawn_runnable(self, n.body, n.inc);
  // A monitor set after a quick death still reports the original reason.
  self->monitor<caf::message_priority::high>(n.handle);
  n.running = true;
  st.by_addr.emplace(n.handle.address(), &n);
  set_state(self, n, node_state::new_);
}

// -- cancellation -------------------------------------------------------------

// Cancels n's context and, transitively, its subtree (Monogon: context
// inheritance). A node waiting out its backoff becomes CANCELED at once.
void cancel(engine_actor* self, node& n) {
  if (n.cancelled)
    return;
  n.cancelled = true;
  if (n.waiting) {
    n.waiting = false; // the pending timer finds a mismatching token
    set_state(self, n, node_state::canceled);
  } else {
    request_stop(n);
  }
  for (auto& c : n.children)
    cancel(self, *c);
}

// A dead node takes its group down with it (one-for-all).
void cancel_group(engine_actor* self, node& n) {
  if (!n.parent)
    return;
  for (auto* sibling : n.parent->groups[n.group])
    if (sibling != &n)
      cancel(self, *sibling);
}

// -- restart selection ("gc") -------------------------------------------------

void reschedule(engine_actor* self, node& n);

// After every exit: restart the highest restartable nodes (restart_selection).
// Selected nodes are collected first: rescheduling mutates the tree.
void gc(engine_actor* self) {
  if (self->state.stopping || !self->state.root)
    return;
  std::vector<node*> selected;
  select_restarts(*self->state.root, [&](node& n) { selected.push_back(&n); });
  for (auto* n : selected)
    reschedule(self, *n);
}

// DEAD/CANCELED/DONE -> NEW: reset now, start after the delay (DEAD only).
void reschedule(engine_actor* self, node& n) {
  auto& st = self->state;
  std::chrono::nanoseconds delay{0};
  if (n.state == node_state::dead) {
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    delay = n.delays.next(uniform(st.rng));
  }
  drop_children(self, n);
  n.cancelled = false;
  n.inc.reset();
  n.state = node_state::new_;
  if (delay.count() == 0) {
    start(self, n);
    return;
  }
  supervisor_log(self).info("rescheduling {} with backoff {} ms", n.dn,
                            std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
  n.waiting = true;
  n.timer = st.next_timer++;
  self->delayed_send(self, delay, start_atom::value, n.id, n.timer);
}

// -- shutdown -------------------------------------------------------------------

// Quits once nothing runs any more; the tree's wait() returns final_error.
void maybe_finish(engine_actor* self) {
  auto& st = self->state;
  if (st.stopping && st.by_addr.empty()) { // by_addr: the running children
    st.shared->finish(st.final_error);
    self->quit();
  }
}

void begin_stop(engine_actor* self, caf::error reason) {
  auto& st = self->state;
  if (!st.stopping) {
    st.stopping = true;
    st.final_error = std::move(reason);
    self->delayed_send(self, st.opts.stop_timeout, stop_timeout_atom::value);
  }
  if (st.root)
    cancel(self, *st.root);
  maybe_finish(self);
}

// The stop timeout ran out: kill event-based children that still run; end
// without the blocking ones (they cannot be killed) and report them.
void on_stop_timeout(engine_actor* self) {
  auto& st = self->state;
  std::vector<std::string> hung;
  for (auto& [addr, n] : st.by_addr) {
    if (n->body.is_event_based())
      caf::anon_send<caf::message_priority::high>(
        n->handle, caf::exit_msg{n->handle.address(), caf::exit_reason::kill});
    else
      hung.push_back(n->dn);
  }
  supervisor_log(self).warning("stop timeout: {} children still running", st.by_addr.size());
  if (!hung.empty()) {
    std::sort(hung.begin(), hung.end());
    st.shared->finish(st.final_error, std::move(hung));
    self->quit();
  }
}

// -- exits ------------------------------------------------------------------------

void on_exit(engine_actor* self, caf::down_msg& msg) {
  auto& st = self->state;
  auto i = st.by_addr.find(msg.source);
  if (i == st.by_addr.end())
    return; // a replaced incarnation or a foreign actor: not ours to judge
  auto& n = *i->second;
  st.by_addr.erase(i);
  n.running = false;
  n.handle = nullptr;
  bool done;
  {
    std::lock_guard<std::mutex> guard{n.inc->mtx};
    n.inc->exited = true; // from now on the old context is stale
    done = n.inc->done;
  }
  n.inc->request_stop(); // wake anything still waiting on this context
  auto outcome = classify({msg.reason, done, n.cancelled});
  switch (outcome) {
    case exit_outcome::done:
    case exit_outcome::canceled:
      // Clean ends: nothing else is touched; gc() decides about a restart.
      set_state(self, n, state_after(outcome));
      break;
    case exit_outcome::stop_for_good:
      // do_not_restart: this node stays down; children and group untouched.
      n.permanent = true;
      set_state(self, n, state_after(outcome));
      break;
    case exit_outcome::dead: {
      // Failure: log it at the node, cancel its subtree and its group.
      auto text = msg.reason ? render(msg.reason)
                             : render(make_error(errc::returned_without_done,
                                                 to_string(n.state)));
      logger{n.dn, st.sink}.error("runnable failed: {}", text);
      set_state(self, n, node_state::dead);
      cancel(self, n);
      cancel_group(self, n);
      break;
    }
    case exit_outcome::terminate_tree:
      // The whole tree stops, and wait() reports this reason.
      set_state(self, n, state_after(outcome));
      begin_stop(self, msg.reason);
      break;
  }
  gc(self);
  maybe_finish(self);
}

// -- requests from contexts -------------------------------------------------------

// The runnable of node `id` called run/run_group: create and start children.
void on_run(engine_actor* self, uint64_t id, uint64_t number) {
  auto& st = self->state;
  auto i = st.by_id.find(id);
  if (i == st.by_id.end() || i->second->number != number || !i->second->inc)
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
      auto* c = make_node(self, &n, std::move(name), std::move(body));
      c->group = group;
      n.groups[group].push_back(c);
    }
    // Start in order. Under a cancelled parent a child never starts: CANCELED.
    for (auto* c : n.groups[group]) {
      if (n.cancelled || st.stopping) {
        c->cancelled = true;
        set_state(self, *c, node_state::canceled);
      } else {
        start(self, *c);
      }
    }
  }
}

void on_signal(engine_actor* self, uint64_t id, uint64_t number, int32_t s) {
  auto& st = self->state;
  auto i = st.by_id.find(id);
  if (i == st.by_id.end() || i->second->number != number)
    return;
  auto& n = *i->second;
  n.delays.reset(); // healthy and done both reset the backoff
  if (static_cast<signal_type>(s) == signal_type::healthy && n.running)
    set_state(self, n, node_state::healthy);
}

// The backoff of node `id` ran out: start it unless it was cancelled since.
void on_backoff_over(engine_actor* self, uint64_t id, uint64_t token) {
  auto& st = self->state;
  auto i = st.by_id.find(id);
  if (i == st.by_id.end() || !i->second->waiting || i->second->timer != token)
    return;
  auto& n = *i->second;
  n.waiting = false;
  start(self, n);
}

caf::behavior engine(engine_actor* self, runnable root_body, tree_options opts,
                     std::shared_ptr<tree_shared> shared) {
  auto& st = self->state;
  st.shared = shared;
  st.sink = std::make_shared<const log_sink>(opts.sink ? opts.sink : stderr_sink());
  st.rng.seed(opts.seed != 0 ? opts.seed : std::random_device{}());
  st.opts = std::move(opts);
  self->set_down_handler([self](caf::down_msg& msg) { on_exit(self, msg); });
  // An exit request to the supervisor (or the death of an actor linked to
  // it) stops the tree in order instead of dropping it: like tree::stop().
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (msg.reason)
      begin_stop(self, caf::error{});
  });
  // If the actor system tears us down, the tree still reports an end.
  self->attach_functor([shared](const caf::error& reason) { shared->finish(reason); });
  auto* root = make_node(self, nullptr, "root", std::move(root_body));
  start(self, *root);
  return {
    [self](run_atom, uint64_t id, uint64_t number) { on_run(self, id, number); },
    [self](signal_atom, uint64_t id, uint64_t number, int32_t s) {
      on_signal(self, id, number, s);
    },
    [self](start_atom, uint64_t id, uint64_t token) { on_backoff_over(self, id, token); },
    [self](stop_atom) { begin_stop(self, caf::error{}); },
    [self](stop_timeout_atom) { on_stop_timeout(self); },
  };
}

} // namespace

caf::actor spawn_engine(caf::actor_system& sys, runnable root, tree_options opts,
                        std::shared_ptr<tree_shared> shared) {
  return sys.spawn(engine, std::move(root), std::move(opts), std::move(shared));
}

} // namespace supervise::detail
