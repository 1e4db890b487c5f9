// engine.cpp — the supervision state machine, top to bottom.
//
// One event-based actor owns a table of nodes (like Monogon's processor).
// The same engine plays three roles:
//  - a tree: its top node is the root runnable (Monogon semantics);
//  - a standalone supervisor: its top node is the supervisor itself (no
//    actor of its own) and its children are the registered services;
//  - a hosted supervisor: the same, running as the actor of a node of a
//    parent engine, which sees it as any other child.
// Every runnable is a CAF actor bound to its engine both ways: each child's
// exit reaches the engine as a *high-priority down_msg*, which an event-based
// child's actor class sends itself once CAF cleaned it up (what a
// high-priority monitor delivers, without an attachable per child;
// incarnation.hpp) and a blocking child's monitor delivers, so a
// child's exit reason arrives ahead of any mailbox backlog and is matched by
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
// A supervisor's services also follow OTP (otp-supervisor.md §1): their
// restart type decides whether an end restarts at all, the strategy which
// siblings restart with a failed one (a group: stopped in reverse, started
// in order, counted once), the restart intensity when the supervisor gives
// up. They start one at a time in order, each up before the next (in
// parallel chunks under simple_one_for_one), and stop in reverse order, each
// by its shutdown spec (in parallel under simple_one_for_one).
// Sections below: events, helpers, spawning, cancellation, accounting,
// ordered starts, restart selection, strategies, shutdown, exits, requests,
// the actor.
#include "engine.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "incarnation.hpp"
#include "name.hpp"
#include "name_table.hpp"
#include "event_runnable_actor.hpp"
#include "pooled_blocking_actor.hpp"
#include "supervise/errc.hpp"
#include "supervise/exit_classification.hpp"
#include "supervise/failure_counter.hpp"
#include "supervise/restart_intensity.hpp"
#include "supervise/restart_selection.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail {

namespace {

thread_local bool in_hook = false;

constexpr uint32_t no_group = static_cast<uint32_t>(-1);

// A member most nodes never use (a service leaf has no children, groups or
// own body), allocated on first write: 8 B per node instead of sizeof(T).
template <class T>
class lazy {
public:
  T& get() {
    if (!p_)
      p_ = std::make_unique<T>();
    return *p_;
  }
  const T& view() const { return p_ ? *p_ : empty(); }
  T* ptr() const noexcept { return p_.get(); } // null: never written
  void reset() noexcept { p_.reset(); } // frees it: clear() would keep the part

private:
  static T& empty() {
    static T none; // never written: only its empty range is handed out
    return none;
  }
  std::unique_ptr<T> p_;
};

// A tree node's backoff, made on its first DEAD restart (services never back
// off per node): 8 B per node instead of 40.
class lazy_backoff {
public:
  std::chrono::nanoseconds next(const backoff_options& opts, double uniform01) {
    if (!b_)
      b_ = std::make_unique<backoff>(opts);
    return b_->next(uniform01);
  }
  void reset() {
    if (b_)
      b_->reset();
  }

private:
  std::unique_ptr<backoff> b_;
};

struct node;

// The parts only tree nodes and a supervisor's top node use, in one
// allocation: a service node holds 8 B for them and is 104 B in all (a 112 B
// malloc chunk).
struct node_tree {
  runnable body;                                // a service's is its entry's
  std::vector<std::unique_ptr<node>> children;  // in start order
  std::vector<std::vector<node*>> groups;       // one entry per run_group call
  uint64_t timer = 0;                           // token of the pending backoff timer
  lazy_backoff delays;                          // services never back off per node
};

struct node {
  uint64_t id = 0;
  std::string dn; // (no copy of the name: nothing read it)
  lazy<node_tree> tree;    // own runnable, children, groups, backoff (tree nodes)
  node* parent = nullptr;
  uint32_t group = no_group; // index into parent->tree groups

  // Bit-fields: the state and fourteen flags in the word of `group` (per child).
  node_state state : 8;
  bool cancelled : 1;   // the context of this incarnation was cancelled
  bool running : 1;     // an actor of this node is alive
  bool waiting : 1;     // reset and waiting out a backoff
  bool permanent : 1;   // exited with do_not_restart: never restarted
  bool removing : 1;    // a service being removed: forgotten once stopped
  bool held : 1;        // member of a pending group restart (one_for_all...)
  bool idle : 1;        // a kept service that is not to restart (transient)
  bool up : 1;          // this incarnation finished starting
  bool manual : 1;      // started by restart_child: a start failure parks it
  bool terminating : 1; // terminate_child: parked once stopped
  bool given_up : 1;    // a blocking child past its shutdown time (stop)
  bool timed_out : 1;   // its stop_timed_out event was emitted
  bool tracked : 1;     // the engine follows this start (pending_up, mark_up)
  bool exit_unlisted : 1; // exited; the name table and registry not told yet
  uint64_t number = 0;     // incarnation counter
  service_entry* entry = nullptr; // a supervisor's service: its registration
  std::shared_ptr<incarnation> inc;
  caf::actor handle;       // strong: a child without one exits 'unreachable'

  node()
    : state(node_state::new_), cancelled(false), running(false), waiting(false),
      permanent(false), removing(false), held(false), idle(false), up(false), manual(false),
      terminating(false), given_up(false), timed_out(false), tracked(false),
      exit_unlisted(false) {}
  // The runnable: a service's lives in its registration (no 64 B copy).
  const runnable& body() const { return entry ? entry->body : tree.view().body; }
  const std::vector<std::unique_ptr<node>>& children() const { return tree.view().children; }
};

// CAF's std::hash<actor_addr> is not noexcept, so the table would cache it in
// every node: this one is, saving 8 B (a malloc size class) per running child.
struct addr_hash {
  size_t operator()(const caf::actor_addr& a) const noexcept { return static_cast<size_t>(a.id()); }
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
  using addr_map = std::unordered_map<caf::actor_addr, node*, addr_hash>;
  addr_map by_addr;                 // the running children
  addr_map::node_type spare_addr;   // the entry of the last exit, reused by the next start
  std::vector<node*> leaving; // removed or do_not_restart services, until stopped
  // Node ids: a service's node has its registration's id (below 2^32), so
  // by_id also finds a service's node (service_node()); other nodes count
  // from 2^32.
  uint64_t next_id = uint64_t{1} << 32;
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
  // What every incarnation of this engine shares (engine, sink, hook).
  std::shared_ptr<const incarnation_env> env;
  // Stable names and the snapshot (names.hpp).
  std::shared_ptr<name_table> names;
  // Services start one at a time, in order: the next when this one is up.
  std::deque<uint64_t> start_queue;
  uint64_t starting = 0;       // node id of the service starting now
  size_t pending_up = 0;       // services started, not up yet
  bool pump_pending = false;   // a pump_atom to ourselves is under way
  bool initial_start = true;   // the first batch: a start failure fails all
  // Nodes that stopped without an exit (cancelled while not running): gc()
  // looks at them besides the exiting node.
  std::vector<uint64_t> dirty;
  std::vector<uint64_t> gc_dirty;   // gc()'s spare buffers
  std::vector<node*> gc_selected;
  // A pending group restart (one_for_all, rest_for_one), in start order.
  std::vector<node*> group_restart;
  std::optional<restart_intensity> intensity;
  // Ordered stops: services still to stop, the next at the back; one for
  // the supervisor's own stop, one for the members of a group restart.
  std::vector<uint64_t> stop_order;
  std::vector<uint64_t> group_stop;
  size_t given_up = 0; // running children given up on (blocking, past shutdown)
  // The actor clock's now while an exit is handled (read once, not thrice).
  std::optional<caf::actor_clock::time_point> exit_now;

  bool is_supervisor() const noexcept { return reg != nullptr; }
  double threshold() const noexcept {
    return reg ? reg->sp.failure_threshold : 0.0;
  }
};

using engine_ptr = std::shared_ptr<engine>;

// The actor clock's now: the one of the exit being handled, if any.
caf::actor_clock::time_point now(engine& e) {
  return e.exit_now ? *e.exit_now : e.self->clock().now();
}

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

void deliver(engine& e, const event& ev);

// Emits an event of type Event about `n` (null: about the supervisor) if
// anyone listens: built in place in the variant, `fill` sets its own fields.
template <class Event, class Fill>
void emit(engine& e, const node* n, Fill&& fill) {
  if (!listens<Event>(e))
    return;
  event ev{std::in_place_type<Event>};
  auto& x = std::get<Event>(ev);
  static_cast<event_header&>(x) = header(e, n);
  fill(x);
  deliver(e, ev);
}

template <class Event>
void emit(engine& e, const node* n) {
  emit<Event>(e, n, [](Event&) {});
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
node* make_node(engine& e, node* parent, std::string name, runnable body, uint64_t id = 0) {
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

// Forgets a subtree; its actors have all exited (gc() checked readiness).
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

// -- supervisor failure accounting (suture §2.1) --------------------------------

// One more failure of a service at the actor clock's now. Above the threshold
// the supervisor pauses restarts; every such failure re-arms the pause from
// now (suture quirk 3, kept: a storm of failures keeps the pause going).
void count_failure(engine& e) {
  auto& sp = e.reg->sp;
  auto count = e.failures.add(now(e), sp.failure_decay);
  if (count > sp.failure_threshold) {
    e.paused = true;
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    auto base = std::chrono::duration<double, std::nano>(sp.failure_backoff);
    auto delay = std::chrono::duration_cast<std::chrono::nanoseconds>(
      base * (1.0 + uniform(e.rng) * sp.backoff_jitter));
    e.self->delayed_send(e.self, delay, resume_atom::value, ++e.resume_token);
    emit<backoff_entered>(e, nullptr, [&](backoff_entered& ev) { ev.delay = delay; });
  }
}

// -- ordered start of services (OTP: one at a time, in order) --------------------

void pump_starts(engine& e);
void follow_start(engine& e, uint64_t id);

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
    if (i == e.by_id.end() || i->second->running || i->second->cancelled
        || i->second->removing || i->second->permanent)
      continue; // gone or stopped since it was queued
    auto& n = *i->second;
    start(e, n);
    if (n.tracked)
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
  if (n.up)
    return;
  n.up = true;
  n.manual = false;
  if (n.tracked)
    --e.pending_up;
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
  if (n.tracked || n.up || !n.running || !n.inc)
    return;
  n.tracked = true;
  ++e.pending_up;
  if (n.inc->want_up())
    mark_up(e, n);
}

void on_up(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i != e.by_id.end() && i->second->number == number && i->second->running)
    mark_up(e, *i->second);
}

// A `healthy`-ready service did not come up in time: stop it; its exit is a
// start failure.
void on_start_timeout(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || i->second->number != number || !i->second->running
      || i->second->up)
    return;
  request_stop(*i->second);
  kill(*i->second);
}

// The pause ended: reset the counter, restart the queued services in order.
void on_resume(engine& e, uint64_t token) {
  if (token != e.resume_token || !e.paused)
    return; // re-armed since: a later timer ends this pause
  e.paused = false;
  e.failures.reset();
  emit<backoff_resumed>(e, nullptr);
  auto queue = std::move(e.resume_queue);
  e.resume_queue.clear();
  for (auto id : queue) {
    auto i = e.by_id.find(id);
    if (i != e.by_id.end() && i->second->waiting) { // not cancelled or removed since
      i->second->waiting = false;
      enqueue_start(e, *i->second);
    }
  }
}

// -- restart selection ("gc") -------------------------------------------------

void reschedule(engine& e, node& n);
void forget_service(engine& e, node& n);

// After every exit: forget services that left for good once their subtree has
// stopped, restart the highest restartable node above each node the event
// touched (`exited` and the dirty ones; restart_selection), and start a
// pending group restart once all its members have stopped. All are collected
// first: acting on them mutates the tree.
void gc(engine& e, uint64_t exited) {
  if (e.stopping || !e.root) {
    e.dirty.clear();
    return;
  }
  if (!e.leaving.empty()) {
    auto still = std::stable_partition(e.leaving.begin(), e.leaving.end(),
                                       [](node* n) { return !is_ready(*n); });
    std::vector<node*> gone(still, e.leaving.end());
    e.leaving.erase(still, e.leaving.end());
    for (auto* n : gone)
      forget_service(e, *n);
  }
  // Buffers kept between calls: no allocation per restart.
  auto selected = std::move(e.gc_selected);
  selected.clear();
  auto consider = [&](uint64_t id) {
    auto i = e.by_id.find(id);
    if (i == e.by_id.end())
      return; // forgotten since
    auto* x = highest_restartable(*i->second);
    // Group members wait for their group; idle ones stay down.
    if (x && !x->held && !x->idle
        && std::find(selected.begin(), selected.end(), x) == selected.end())
      selected.push_back(x);
  };
  if (exited != 0)
    consider(exited);
  auto dirty = std::move(e.dirty);
  e.dirty = std::move(e.gc_dirty);
  e.dirty.clear();
  for (auto id : dirty)
    consider(id);
  e.gc_dirty = std::move(dirty);
  for (auto* n : selected)
    reschedule(e, *n);
  e.gc_selected = std::move(selected);
  // A group restart: all members stopped (checked once all were asked), then
  // all start again in order.
  if (!e.group_restart.empty() && e.group_stop.empty()
      && std::all_of(e.group_restart.begin(), e.group_restart.end(),
                     [](node* m) { return is_ready(*m); })) {
    auto members = std::move(e.group_restart);
    e.group_restart.clear();
    for (auto* m : members) {
      m->held = false;
      reschedule(e, *m);
    }
  }
}

// DEAD/CANCELED/DONE -> NEW: reset now; start now, after the node's backoff
// (a DEAD tree node), or in the start queue (a service; held back while the
// supervisor's backoff pause lasts).
void reschedule(engine& e, node& n) {
  std::chrono::nanoseconds delay{0};
  if (n.state == node_state::dead && !n.entry) {
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    delay = n.tree.get().delays.next(e.opts.backoff, uniform(e.rng));
  }
  drop_children(e, n);
  n.cancelled = false;
  n.inc.reset();
  n.state = node_state::new_;
  if (n.entry) {
    if (e.paused) {
      // During the supervisor's pause: queued until it resumes.
      n.waiting = true;
      e.resume_queue.push_back(n.id);
      set_state(e, n, node_state::new_);
    } else {
      enqueue_start(e, n);
    }
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
  auto timer = n.tree.get().timer = e.next_timer++;
  e.self->delayed_send(e.self, delay, start_atom::value, n.id, timer);
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
  if (n.permanent || n.removing)
    return;
  n.permanent = true;
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

// -- strategies (OTP §1.2) ------------------------------------------------------------

void stop_in_order(engine& e, std::vector<uint64_t>& order);

// Service `n` failed and restarts: under one_for_all / rest_for_one the other
// members stop too (their exits are not failures) and the whole group starts
// again in order once all have stopped (gc()): one restart, counted once.
void apply_strategy(engine& e, node& n) {
  cancel(e, n);
  auto st = e.reg->sp.strategy;
  if (st != strategy::one_for_all && st != strategy::rest_for_one)
    return;
  auto& kids = e.root->tree.get().children;
  bool merging = !e.group_restart.empty();
  auto from = kids.begin();
  if (st == strategy::rest_for_one)
    from = std::find_if(kids.begin(), kids.end(), [&](auto& c) { return c.get() == &n; });
  for (auto it = from; it != kids.end(); ++it) {
    auto& m = **it;
    if (m.removing || m.permanent || m.idle || m.held)
      continue;
    m.held = true;
    e.group_restart.push_back(&m);
    if (&m != &n)
      e.group_stop.push_back(m.id); // stopped last-started first
  }
  stop_in_order(e, e.group_stop);
  if (merging) { // an earlier pending group merged in: back to start order
    std::unordered_map<node*, size_t> pos;
    for (size_t i = 0; i < kids.size(); ++i)
      pos.emplace(kids[i].get(), i);
    std::sort(e.group_restart.begin(), e.group_restart.end(),
              [&](node* a, node* b) { return pos[a] < pos[b]; });
  }
}

// -- shutdown -------------------------------------------------------------------

// The children still running, as a report (blocking ones are the hung ones).
std::vector<unstopped_child> running_report(const engine& e, bool blocking_only) {
  std::vector<unstopped_child> out;
  for (auto& [addr, n] : e.by_addr) {
    if (blocking_only && n->body().is_event_based())
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
  if (e.reg && e.reg->sp.dont_propagate_termination && is(e.final_error, errc::terminate_tree))
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
    inc.unstopped() = std::move(hung);
  } else if (e.reg) {
    e.reg->finish(reason, std::move(hung));
  } else {
    e.tree_end->finish(reason, hung);
  }
  e.self->quit(reason);
}

// Quits once nothing runs any more but children given up on (blocking ones
// past their shutdown time), and no ordered stop is left to do.
void maybe_finish(engine& e) {
  if (e.stopping && e.stop_order.empty() && e.by_addr.size() == e.given_up)
    finish(e, running_report(e, true));
}

// The shutdown of one child by its spec: brutal_kill at once, a timer for
// `timeout`, nothing for `infinity`. A blocking child cannot be killed:
// brutal_kill gives up on it at once.
void arm_shutdown(engine& e, node& n) {
  if (!n.running)
    return;
  auto sh = n.entry ? n.entry->shutdown() : shutdown_spec::after(e.opts.stop_timeout);
  switch (sh.kind) {
    case shutdown_spec::brutal_kill:
      kill(n);
      if (n.body().is_blocking() && !n.given_up) {
        n.given_up = true;
        ++e.given_up;
      }
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
    if (n.running && !n.given_up)
      return; // wait for its exit
    order.pop_back();
  }
}

// The overall bound of a stop: the largest shutdown time among the
// children (spec.timeout at least); none when one waits forever.
std::optional<std::chrono::nanoseconds> stop_deadline(const engine& e) {
  auto bound = e.opts.stop_timeout;
  if (!e.is_supervisor())
    return bound;
  for (auto& c : e.root->children()) {
    if (!c->entry || !c->running)
      continue;
    auto sh = c->entry->shutdown();
    if (sh.kind == shutdown_spec::infinity)
      return std::nullopt;
    if (sh.kind == shutdown_spec::timeout)
      bound = std::max(bound, sh.time);
  }
  return bound;
}

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

// The overall stop timeout ran out: kill event-based children that still run;
// end without the blocking ones (they cannot be killed) and report them.
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
    kill(*n);
  }
  auto hung = running_report(e, true);
  if (std::any_of(late.begin(), late.end(), [](node* n) { return n->body().is_blocking(); }))
    finish(e, std::move(hung)); // blocking stragglers: end now, reported
}

// One child's shutdown time ran out (a stop, remove or terminate_child):
// report, kill an event-based one, give up on a blocking one.
void on_child_stop_timeout(engine& e, uint64_t id, uint64_t number) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || !i->second->running || i->second->number != number)
    return;
  auto& n = *i->second;
  if (n.timed_out)
    return; // the overall stop timeout came first
  n.timed_out = true; // (a bit-field: no std::exchange)
  emit<stop_timed_out>(e, &n, [&](stop_timed_out& ev) {
    ev.timeout = n.entry ? n.entry->shutdown_time : e.opts.stop_timeout;
  });
  kill(n);
  if (n.body().is_blocking() && !n.given_up) {
    n.given_up = true;
    ++e.given_up;
  }
  if (e.stopping) {
    stop_in_order(e, e.stop_order);
    maybe_finish(e);
  } else if (!e.group_stop.empty()) {
    stop_in_order(e, e.group_stop);
  }
}

// -- exits ------------------------------------------------------------------------

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
void report_failed(engine& e, node& n, caf::error reason, bool restarting) {
  emit<child_failed>(e, &n, [&](child_failed& ev) {
    ev.reason = reason ? std::move(reason) : make_error(errc::returned_without_done, n.dn);
    ev.restarting = restarting;
  });
}

// A significant service ended and is not restarted: maybe stop (OTP §1.7).
void significant_ended(engine& e, node& n) {
  auto mode = e.reg->sp.shutdown_when;
  if (!n.entry->significant || e.stopping || mode == auto_shutdown::never)
    return;
  if (mode == auto_shutdown::all_significant)
    for (auto& c : e.root->children())
      if (c.get() != &n && c->entry && c->entry->significant && !c->idle && !c->permanent)
        return; // another significant child is still there
  begin_stop(e, make_error(errc::shutdown, "auto_shutdown: " + n.dn));
}

// A service ended before it was up. Returns true when that is handled as a
// start failure (initial start, start_child, restart_child); false for an
// automatic restart, which then counts as an ordinary failure.
bool start_failure(engine& e, node& n, const caf::error& reason) {
  bool sync_caller;
  {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    sync_caller = e.reg->awaited_locked(n.entry->id);
  }
  if (!e.initial_start && !sync_caller && !n.manual)
    return false;
  auto text = n.dn + ": " + render(reason ? reason : make_error(errc::returned_without_done));
  auto why = make_error(errc::start_failed, text);
  set_state(e, n, node_state::dead);
  report_failed(e, n, caf::error{why}, false);
  {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    e.reg->settle_locked(n.entry->id, why);
  }
  if (e.initial_start) {
    // The initial start fails as a whole: the started ones stop in reverse.
    begin_stop(e, why);
  } else if (n.manual) {
    n.manual = false; // restart_child: no retry, the spec stays
    park(e, n);
  } else {
    leave(e, n); // start_child: the spec is discarded (OTP)
  }
  return true;
}

// A service of a running supervisor exited: OTP's restart types and
// strategies, suture's accounting, and our two special outcomes.
void service_exit(engine& e, node& n, caf::error reason, bool done) {
  auto& entry = *n.entry;
  auto outcome = classify(reason, done, n.cancelled);
  // Explicit requests first.
  if (outcome == exit_outcome::terminate_tree) {
    set_state(e, n, node_state::canceled);
    report_stopped(e, n, reason, false);
    begin_stop(e, reason);
    return;
  }
  if (outcome == exit_outcome::stop_for_good) {
    set_state(e, n, node_state::done);
    leave(e, n);
    report_stopped(e, n, std::move(reason), true);
    significant_ended(e, n);
    return;
  }
  // Stopped by the supervisor itself (a group restart or terminate_child):
  // never a failure, and never an auto_shutdown.
  if (n.cancelled) {
    set_state(e, n, outcome == exit_outcome::dead ? node_state::dead : node_state::canceled);
    bool drop = entry.restart == restart_type::temporary && (n.held || n.terminating);
    if (drop)
      leave(e, n);
    else if (n.terminating)
      park(e, n);
    n.terminating = false;
    report_stopped(e, n, std::move(reason), drop);
    return;
  }
  // Ended before it was up: a start failure where a caller is waiting.
  if (!n.up && start_failure(e, n, reason))
    return;
  // Ends that do not restart: done, temporary, transient with a clean reason.
  bool clean = outcome == exit_outcome::done || !reason
               || is(reason, caf::exit_reason::user_shutdown) || is(reason, errc::shutdown);
  if (outcome == exit_outcome::done || entry.restart == restart_type::temporary
      || (entry.restart == restart_type::transient && clean)) {
    set_state(e, n, clean ? node_state::done : node_state::dead);
    bool drop = entry.restart == restart_type::temporary;
    if (drop)
      leave(e, n);
    else
      park(e, n);
    if (clean)
      report_stopped(e, n, std::move(reason), drop);
    else
      report_failed(e, n, std::move(reason), false);
    significant_ended(e, n);
    return;
  }
  // A failure that restarts: counted (decay, backoff), checked against the
  // restart intensity (escalation), then the strategy decides who restarts.
  set_state(e, n, node_state::dead);
  count_failure(e);
  bool gives_up = e.intensity && !e.intensity->allow(now(e));
  report_failed(e, n, std::move(reason), !gives_up && !e.paused);
  if (gives_up) {
    begin_stop(e, make_error(errc::shutdown, "reached_max_restart_intensity: " + e.root->dn));
    return;
  }
  apply_strategy(e, n);
}

// Any other exit: a tree node, or a service while the supervisor stops or
// after its removal (Monogon §4 plus our special outcomes).
void node_exit(engine& e, node& n, caf::error reason, bool done) {
  auto outcome = classify(reason, done, n.cancelled);
  if (n.removing) // a removed service: gone for good; not a failure
    outcome = exit_outcome::canceled;
  switch (outcome) {
    case exit_outcome::done:
    case exit_outcome::canceled:
      // Clean ends: nothing else is touched; gc() decides about a restart.
      set_state(e, n, state_after(outcome));
      report_stopped(e, n, std::move(reason), n.removing);
      break;
    case exit_outcome::stop_for_good:
      // do_not_restart: this node stays down; children and group untouched.
      n.permanent = true;
      set_state(e, n, state_after(outcome));
      report_stopped(e, n, std::move(reason), false);
      break;
    case exit_outcome::dead:
      // Failure: report it, then cancel the node's subtree and its group.
      set_state(e, n, node_state::dead);
      report_failed(e, n, std::move(reason), !e.stopping);
      cancel(e, n);
      cancel_group(e, n);
      break;
    case exit_outcome::terminate_tree:
      // This engine stops, and ends with this reason (see end_reason()).
      set_state(e, n, state_after(outcome));
      report_stopped(e, n, reason, false);
      begin_stop(e, reason);
      break;
  }
}

void on_exit(engine& e, caf::down_msg& msg) {
  auto i = e.by_addr.find(msg.source);
  if (i == e.by_addr.end())
    return; // a replaced incarnation or a foreign actor: not ours to judge
  auto& n = *i->second;
  e.spare_addr = e.by_addr.extract(i); // kept for the replacement's start()
  e.exit_now = e.self->clock().now();
  n.running = false;
  // The dead actor (and, through its context, its incarnation) is destroyed
  // when this handler returns, after a replacement was spawned: as a bare
  // supervisor overwriting its handle, not on the restart's critical path.
  caf::actor dead = std::move(n.handle);
  n.handle = nullptr;
  if (n.given_up) {
    n.given_up = false;
    --e.given_up;
  }
  // The old context goes stale; a nested supervisor's stragglers become part
  // of our report.
  bool done = n.inc->close(e.inherited);
  // Published with the next state change (set_state), or below.
  n.exit_unlisted = true;
  if (e.starting == n.id)
    e.starting = 0;
  // An untracked restart that was up: still `up`, for start_failure().
  if (!n.up && !n.tracked && n.inc->progress.load(std::memory_order_acquire) == incarnation::up)
    n.up = true;
  if (n.tracked && !n.up)
    --e.pending_up; // it ended before it was up
  if (n.entry && !e.stopping && !n.removing)
    service_exit(e, n, std::move(msg.reason), done);
  else
    node_exit(e, n, std::move(msg.reason), done);
  publish_exit(e, n);
  if (e.stopping)
    stop_in_order(e, e.stop_order);
  else if (!e.group_stop.empty())
    stop_in_order(e, e.group_stop);
  gc(e, n.id);
  pump_starts(e);
  maybe_finish(e);
  e.exit_now.reset();
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
    pending.swap(n.inc->pending());
  }
  for (auto& members : pending) {
    auto& groups = n.tree.get().groups;
    groups.emplace_back();
    auto group = static_cast<uint32_t>(groups.size() - 1);
    for (auto& [name, body] : members) {
      auto* c = make_node(e, &n, std::move(name), std::move(body));
      c->group = group;
      groups[group].push_back(c);
    }
    // Start in order. Under a cancelled parent a child never starts: CANCELED.
    for (auto* c : groups[group]) {
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
  if (auto* t = n.tree.ptr())
    t->delays.reset(); // healthy and done both reset the backoff
  if (static_cast<signal_type>(s) == signal_type::healthy && n.running) {
    set_state(e, n, node_state::healthy);
    if (n.entry && n.entry->ready == child_spec::ready_t::healthy)
      mark_up(e, n);
  }
}

// The backoff of node `id` ran out: start it unless it was cancelled since.
void on_backoff_over(engine& e, uint64_t id, uint64_t token) {
  auto i = e.by_id.find(id);
  if (i == e.by_id.end() || !i->second->waiting || i->second->tree.view().timer != token)
    return;
  auto& n = *i->second;
  n.waiting = false;
  start(e, n);
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
  if (!n || n->removing)
    return;
  n->removing = true;
  e.leaving.push_back(n);
  cancel(e, *n);
  arm_shutdown(e, *n);
  gc(e, 0); // a service that was not running goes at once
  maybe_finish(e);
}

// terminate_child(): stop it by its shutdown spec and keep the spec (a
// temporary child's goes).
void on_terminate(engine& e, uint32_t service) {
  auto* sn = service_node(e, service);
  if (!sn || sn->removing || e.stopping)
    return;
  auto& n = *sn;
  if (n.running) {
    n.terminating = true;
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
  gc(e, 0);
}

// restart_child(): start an idle service again (not counted as a restart).
void on_restart(engine& e, uint32_t service) {
  auto* sn = service_node(e, service);
  if (!sn || e.stopping)
    return;
  auto& n = *sn;
  if (n.running || !n.idle)
    return;
  n.idle = false;
  n.manual = true;
  {
    std::lock_guard<std::mutex> guard{e.reg->mtx};
    n.entry->idle = false;
  }
  drop_children(e, n);
  n.cancelled = false;
  n.inc.reset();
  enqueue_start(e, n);
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
        ep->host->impl().unstopped() = std::move(hung);
      } else if (ep->reg) {
        ep->reg->finish(reason, std::move(hung));
      } else {
        ep->tree_end->finish(reason, hung);
      }
    }
    // Our names leave the table.
    for (auto& [id, n] : ep->by_id)
      ep->names->erase(n->dn, n);
    // Incarnations hold a handle to this actor, and this actor's handlers
    // hold the engine: drop the node table to break the cycle.
    ep->by_addr.clear();
    ep->by_id.clear();
    ep->leaving.clear();
    ep->group_restart.clear();
    ep->root.reset();
    ep->host.reset();
  });
  return {
    [ep](run_atom, uint64_t id, uint64_t number) { on_run(*ep, id, number); },
    [ep](signal_atom, uint64_t id, uint64_t number, int32_t s) {
      on_signal(*ep, id, number, s);
    },
    [ep](up_atom, uint64_t id, uint64_t number) { on_up(*ep, id, number); },
    [ep](start_atom, uint64_t id, uint64_t token) { on_backoff_over(*ep, id, token); },
    [ep](start_timeout_atom, uint64_t id, uint64_t number) {
      on_start_timeout(*ep, id, number);
    },
    [ep](stop_atom) { begin_stop(*ep, caf::error{}); },
    [ep](stop_timeout_atom) { on_stop_timeout(*ep); },
    [ep](add_atom, uint32_t service) { on_add(*ep, service); },
    [ep](remove_atom, uint32_t service) { on_remove(*ep, service); },
    [ep](terminate_atom, uint32_t service) { on_terminate(*ep, service); },
    [ep](restart_atom, uint32_t service) { on_restart(*ep, service); },
    [ep](child_stop_timeout_atom, uint64_t id, uint64_t number) {
      on_child_stop_timeout(*ep, id, number);
    },
    [ep](resume_atom, uint64_t token) { on_resume(*ep, token); },
    [ep](pump_atom) {
      ep->pump_pending = false;
      pump_starts(*ep);
    },
  };
}

engine_ptr make_engine(caf::event_based_actor* self, engine_options opts) {
  auto ep = std::make_shared<engine>();
  ep->self = self;
  if (!opts.sink)
    opts.sink = std::make_shared<const log_sink>(stderr_sink());
  ep->rng.seed(opts.seed != 0 ? opts.seed : std::random_device{}());
  ep->opts = std::move(opts);
  ep->env = std::make_shared<const incarnation_env>(
    incarnation_env{caf::actor_cast<caf::weak_actor_ptr>(self->ctrl()), ep->opts.sink,
                    ep->opts.hook, ep->opts.propagate_exceptions});
  ep->names = name_table::of(self->system());
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
  if (auto& limit = shared->sp.restart_intensity)
    ep->intensity.emplace(limit->max_restarts, limit->period);
  auto* top = make_node(*ep, nullptr, std::move(dn), {});
  top->state = node_state::healthy; // runs as long as the engine does
  if (!host) // hosted: the parent already names this DN
    ep->names->started(top->dn, top, caf::actor{self}, 0, self->clock().now());
  std::vector<service_entry*> initial;
  {
    std::lock_guard<std::mutex> guard{shared->mtx};
    // Standalone: those added before start() (later ones come by message);
    // hosted: all registered now.
    auto upto = host ? std::numeric_limits<uint32_t>::max() : shared->initial_upto;
    shared->run_dn = top->dn; // the prefix of every service's DN (dn_of)
    for (auto& [id, entry] : shared->services)
      if (!entry.removing && id < upto)
        initial.push_back(&entry);
  }
  // Sized once for the batch: no rehash garbage left behind in the RSS.
  ep->by_id.reserve(initial.size() + 1);
  ep->by_addr.reserve(initial.size());
  ep->root->tree.get().children.reserve(initial.size());
  ep->names->reserve(initial.size() + 1);
  for (auto* entry : initial) // in add order, one at a time
    ep->start_queue.push_back(make_service(*ep, *entry).id);
  pump_starts(*ep);
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
    opts.sink = host->impl().sink();
  if (sp.on_event)
    opts.hook = std::make_shared<const event_hook>(sp.on_event);
  else if (host)
    opts.hook = host->impl().hook(); // the nearest ancestor's hook
  return opts;
}

} // namespace

bool inside_hook() noexcept { return in_hook; }

caf::actor spawn_tree_engine(caf::actor_system& sys, runnable root, tree_options topts,
                             std::shared_ptr<tree_shared> shared) {
  return sys.spawn(
    [root = std::move(root), topts = std::move(topts)](
      caf::event_based_actor* self, std::shared_ptr<tree_shared> shared) mutable -> caf::behavior {
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
  },
    std::move(shared)); // an argument, not a capture: see spawn_runnable
}

caf::actor spawn_supervisor_engine(caf::actor_system& sys,
                                   std::shared_ptr<supervisor_shared> shared) {
  return sys.spawn(
    [](caf::event_based_actor* self, std::shared_ptr<supervisor_shared> shared) {
      return supervisor_behavior(self, shared->name, shared,
                                 supervisor_options(*shared, nullptr), nullptr);
    },
    std::move(shared)); // an argument, not a capture: see spawn_runnable
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
