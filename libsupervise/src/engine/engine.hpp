// engine/engine.hpp — the supervision engine: its state, and its rooms.
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
//              DONE|CANCELED|DEAD --selected by select_restarts(), cancelled--> NEW (reset)
// A node is restarted only when its context was cancelled (by its own death,
// a group sibling's death or an ancestor's), it and all its descendants have
// stopped, and its parent is live: the highest such node restarts, and its
// runnable re-creates the subtree. A node that ran a nested supervisor which
// was killed also waits for the children that supervisor asked to stop as it
// died (its stragglers: this engine adopts them, exits.cpp), so no child ever
// runs beside its successor.
// How long a restart waits depends on the parent:
//  - under a tree node: the node's own exponential backoff (DEAD only);
//  - a service of a supervisor: at once, unless the supervisor's decaying
//    failure counter went above its threshold, which pauses every restart of
//    its services until the backoff pause ends (as suture does).
// A supervisor's services also follow OTP: their
// restart type decides whether an end restarts at all, the strategy which
// siblings restart with a failed one (a group: stopped in reverse, started
// in order, counted once), the restart intensity when the supervisor gives
// up. They start one at a time in order, each up before the next (in
// parallel chunks under simple_one_for_one), and stop in reverse order, each
// by its shutdown spec (in parallel under simple_one_for_one).
// A simulation (simulation.hpp) sees and steers every engine of the tree it
// runs through a probe (engine/probe.hpp); without one each of the probe's
// points costs a null test.
// The rooms, one file each, declared below in the order a child's life
// passes through them: lifecycle, starts, exits (the decision itself is
// detail/restart_policy), restarts, shutdown, requests; events; and the
// actor that dispatches to them (engine.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>

#include "detail/restart_policy.hpp"
#include "engine/probe.hpp"
#include "engine/spawn.hpp"
#include "engine/node.hpp"
#include "incarnation.hpp"
#include "name_table.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

// Everything the engine needs, whatever its role.
struct engine_options {
  backoff_options backoff; // per-node backoff of tree nodes
  bool propagate_exceptions = false;
  std::chrono::nanoseconds stop_timeout = std::chrono::seconds(10);
  uint64_t seed = 0;
  std::function<void(const std::string&, node_state)> on_state;
  std::shared_ptr<const log_sink> sink;
  std::shared_ptr<const event_hook> hook; // null: the default (logging) hook
  std::shared_ptr<engine_probe> probe;    // a simulation's (engine/probe.hpp); null: none
  std::shared_ptr<const observer_list> observers; // the tree's and its own; null: none
};

// Who hears how a run ended, once, on the engine's thread or in its cleanup:
// a tree's handle, a standalone supervisor's handle, or the parent engine of
// a hosted supervisor (it reads the report when it handles our exit).
class run_owner {
public:
  virtual ~run_owner() = default;
  virtual void hand_over(const caf::error& reason, std::vector<unstopped_child> hung) = 0;
  // A run that ends while children it asked to stop still run (it was
  // killed): a hosted one's parent waits for them; others cannot.
  virtual void hand_over_stragglers(std::vector<straggler>) {}
};

struct engine : std::enable_shared_from_this<engine> {
  caf::event_based_actor* self = nullptr;
  engine_options opts;
  std::unique_ptr<run_owner> owner;        // hears the end of the run
  std::shared_ptr<supervisor_shared> reg;  // a supervisor's registry; null: a tree
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
  // Restart accounting of a supervisor: one decaying counter for all its
  // services, the pause, the intensity window (restart_policy.hpp).
  restart_counters counters;
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
  // Tree nodes created by run/run_group, not started yet, in start order
  // (across groups and parents): they start tree_start_chunk per handler.
  std::deque<uint64_t> tree_queue;
  bool tree_pump_pending = false; // a tree_pump_atom to ourselves is under way
  // Nodes that stopped without an exit (cancelled while not running): select_restarts()
  // looks at them besides the exiting node.
  std::vector<uint64_t> dirty;
  std::vector<uint64_t> spare_dirty;   // select_restarts()'s spare buffers
  std::vector<node*> spare_selected;
  // A pending group restart (one_for_all, rest_for_one), in start order.
  std::vector<node*> group_restart;
  // Ordered stops: services still to stop, the next at the back; one for
  // the supervisor's own stop, one for the members of a group restart.
  std::vector<uint64_t> stop_order;
  std::vector<uint64_t> group_stop;
  size_t given_up = 0; // running children given up on (past shutdown, a kill cannot reach them)
  // Children of nested supervisors that were killed while those children
  // stopped (their stragglers), adopted: each maps to the node that ran the
  // supervisor, which restarts only once all of its stragglers exited.
  struct waiting_node {
    uint64_t node = 0;
    straggler who;
  };
  std::unordered_map<caf::actor_addr, waiting_node, addr_hash> stragglers;
  std::vector<straggler> spare_stragglers; // on_exit's buffer
  // The actor clock's now while an exit is handled (read once, not thrice).
  std::optional<caf::actor_clock::time_point> exit_now;
  // What a snapshot shows besides a node's state (snapshot.cpp), kept only
  // for nodes that exited at least once and erased with the node: how the
  // last incarnation ended, and when a tree node waiting out its backoff
  // starts again.
  struct history {
    caf::error last_exit;
    caf::actor_clock::time_point restart_at{};
  };
  std::unordered_map<uint64_t, history> histories;
  caf::actor_clock::time_point pause_ends{}; // of the supervisor's current pause

  bool is_supervisor() const noexcept { return reg != nullptr; }
  double threshold() const noexcept {
    return reg ? reg->sp.failure_threshold : 0.0;
  }
};

using engine_ptr = std::shared_ptr<engine>;

// The actor clock's now: the one of the exit being handled, if any.
inline caf::actor_clock::time_point now(engine& e) {
  return e.exit_now ? *e.exit_now : e.self->clock().now();
}

// -- lifecycle.cpp: a node's life ---------------------------------------------

// What changed about a node, for publish().
enum class news : uint8_t {
  started, ///< a new incarnation runs (listed NEW, with its actor)
  state,   ///< its state changed (and, the first time after an exit, the exit)
  exit,    ///< it exited and no state change listed that yet
  fate,    ///< its disposition changed (parked, retired, back to normal)
};
// The one writer of a child's published state (name table, registry, on_state).
void publish(engine& e, node& n, news what);
// n.state = s, published.
void set_state(engine& e, node& n, node_state s);
// A new node under `parent` (null: the top node); `id` 0: the next free one.
node* make_node(engine& e, node* parent, std::string name, runnable body, uint64_t id = 0);
// A node for a registered service, under the supervisor's top node.
node& make_service(engine& e, service_entry& entry);
void drop_children(engine& e, node& n);
void request_stop(node& n);
void kill(node& n);
caf::actor spawn_runnable(engine& e, const runnable& body, std::shared_ptr<incarnation> inc);
void start(engine& e, node& n);
void cancel(engine& e, node& n);
void cancel_group(engine& e, node& n);
void leave(engine& e, node& n);
void park(engine& e, node& n);
void forget_service(engine& e, node& n);

// -- starts.cpp: ordered starts of services, the supervisor's pause -----------

void begin_pause(engine& e);
void enqueue_start(engine& e, node& n);
void pump_starts(engine& e);
void mark_up(engine& e, node& n);
void follow_start(engine& e, uint64_t id);
void on_up(engine& e, uint64_t id, uint64_t number);
void on_start_timeout(engine& e, uint64_t id, uint64_t number);
void on_resume(engine& e, uint64_t token);

// -- exits.cpp: facts -> decide() -> carried out --------------------------------

void report_stopped(engine& e, node& n, caf::error reason, bool removed);
// `held`: it restarts once the supervisor's pause ends.
void report_failed(engine& e, node& n, caf::error reason, bool restarting, bool held);
void on_exit(engine& e, caf::down_msg& msg);

// -- restarts.cpp: which stopped nodes restart, when, with whom --------------

void select_restarts(engine& e, uint64_t exited);
void reschedule(engine& e, node& n);
void apply_strategy(engine& e, node& n);

// -- shutdown.cpp: stopping children, the end of a run -------------------------

std::vector<unstopped_child> unstoppable_report(const engine& e);
void finish(engine& e, std::vector<unstopped_child> hung);
void maybe_finish(engine& e);
void arm_shutdown(engine& e, node& n);
void stop_in_order(engine& e, std::vector<uint64_t>& order);
void begin_stop(engine& e, caf::error reason);
void on_stop_timeout(engine& e);
void on_child_stop_timeout(engine& e, uint64_t id, uint64_t number);
void on_kill_grace_over(engine& e, uint64_t id, uint64_t number);

// -- snapshot.cpp: what the engine shows of itself ------------------------------

// Its nodes at or below `root_dn`, depth-first in start order (names.hpp's
// node_info); the top node of a supervisor carries its accounting.
std::vector<node_info> describe(engine& e, const std::string& root_dn);
// Lists the engine where snapshot() finds it, until its actor ends.
void list_engine(engine& e);

// -- requests.cpp: from runnables and from supervisor handles ------------------

void on_run(engine& e, uint64_t id, uint64_t number);
void pump_tree_starts(engine& e);
void on_signal(engine& e, uint64_t id, uint64_t number, int32_t s);
void on_backoff_over(engine& e, uint64_t id, uint64_t token);
node* service_node(engine& e, uint32_t id);
void on_add(engine& e, uint32_t service);
void on_remove(engine& e, uint32_t service);
void on_terminate(engine& e, uint32_t service);
void on_restart(engine& e, uint32_t service);

} // namespace supervise::detail::core
