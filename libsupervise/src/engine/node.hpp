// engine/node.hpp — one node of an engine's table: a tree node, a
// supervisor's top node, or one of its services.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "supervise/backoff.hpp"
#include "supervise/node_state.hpp"
#include "supervise/runnable.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail {

struct incarnation;

namespace core {

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
// off per node): 8 B per node instead of 64. Before it exists there is
// nothing to reset, so the healthy time is only kept from then on.
class lazy_backoff {
public:
  using time_point = std::chrono::steady_clock::time_point;

  std::chrono::nanoseconds next(const backoff_options& opts, double uniform01) {
    if (!s_)
      s_ = std::make_unique<state>(opts);
    return s_->delays.next(uniform01);
  }
  // Whether the healthy time of an incarnation is wanted: there is a
  // backoff to reset (the caller reads the clock only then).
  bool wants_healthy_time() const noexcept { return s_ && !s_->healthy_since; }
  // The current incarnation signalled healthy (or done) at `t`; the first
  // signal counts.
  void healthy_at(time_point t) {
    if (wants_healthy_time())
      s_->healthy_since = t;
  }
  // The current incarnation exited at `t`: healthy for min_uptime or more
  // before, it resets the backoff (a quick death after a healthy start does not).
  void exited_at(time_point t, std::chrono::nanoseconds min_uptime) {
    if (!s_)
      return;
    if (s_->healthy_since && t - *s_->healthy_since >= min_uptime)
      s_->delays.reset();
    s_->healthy_since.reset();
  }

private:
  struct state {
    explicit state(const backoff_options& opts) : delays(opts) {}
    backoff delays;
    std::optional<time_point> healthy_since;
  };
  std::unique_ptr<state> s_;
};

struct node;

// The parts only tree nodes and a supervisor's top node use, in one
// allocation: a service node holds 8 B for them and is 104 B in all (a 112 B
// malloc chunk). 56 B: a 64 B chunk per tree node.
struct node_tree {
  runnable body;                                // a service's is its entry's
  std::vector<std::unique_ptr<node>> children;  // in start order; appended to (node::group
                                                // relies on it), erased from only for services
  uint64_t timer = 0;                           // token of the pending backoff timer
  lazy_backoff delays;                          // services never back off per node
};

// Where a node's actor is in its life. Transitions: idle -> running or
// starting (start), starting -> up (its up report), running -> starting (an
// ordered start comes to wait behind it), any running one -> idle (its exit),
// idle -> waiting (reset behind a backoff or pause) -> idle (cancelled) or a
// start (the wait ended).
enum class run_state : uint8_t {
  idle,     ///< no actor: never started, stopped, or queued for its start
  waiting,  ///< reset, waiting out its backoff or the supervisor's pause
  running,  ///< its actor runs; nobody follows its start (a tree node, a restart)
  starting, ///< its actor runs; its start is followed (counted in pending_up)
  up,       ///< its actor runs and finished starting (a service)
};

// What becomes of a node once it stopped, besides the restart rules. Set by
// requests and decisions, read by the restart selection: only `normal`
// nodes are restarted by it.
enum class disposition : uint8_t {
  normal,      ///< the restart rules apply
  held,        ///< a member of a pending group restart: the group starts it again
  parked,      ///< kept down with its spec (a clean end, done, terminate_child)
  terminating, ///< terminate_child asked it to stop: parked (or removed) at its exit
  removed,     ///< remove/delete_child: forgotten once stopped; its end is no failure
  retired,     ///< never restarted (do_not_restart, temporary, a failed start_child)
};

struct node {
  uint64_t id = 0;
  std::string dn; // (no copy of the name: nothing read it)
  lazy<node_tree> tree;    // own runnable, children, backoff (tree nodes)
  node* parent = nullptr;
  // Its run_group: the members of one call are created together, so they
  // are consecutive in the parent's children; a group is named by the index
  // of its first member there (no list per group). no_group: a service.
  uint32_t group = no_group;

  // The state, the run state, the disposition and six flags in one word.
  node_state state : 8;
  run_state run : 8;
  disposition fate : 8;
  bool cancelled : 1;   // the context of this incarnation was cancelled (Monogon)
  bool manual : 1;      // started by restart_child: a failed start parks it
  bool given_up : 1;    // past its shutdown time, a kill cannot reach it (counted in given_up)
  bool timed_out : 1;   // its stop_timed_out event was emitted
  bool exit_unlisted : 1; // exited; the name table and registry not told yet
  bool backoff_pending : 1; // its restart waits for its own backoff (a failed tree node)
  bool stragglers : 1;  // it ran a supervisor that ended before its children did (engine::stragglers)
  uint64_t number = 0;     // incarnation counter
  service_entry* entry = nullptr; // a supervisor's service: its registration
  std::shared_ptr<incarnation> inc;
  caf::actor handle;       // strong: a child without one exits 'unreachable'

  node()
    : state(node_state::new_), run(run_state::idle), fate(disposition::normal),
      cancelled(false), manual(false), given_up(false), timed_out(false), exit_unlisted(false),
      backoff_pending(false), stragglers(false) {}
  // The runnable: a service's lives in its registration (no 64 B copy).
  const runnable& body() const { return entry ? entry->body : tree.view().body; }
  const std::vector<std::unique_ptr<node>>& children() const { return tree.view().children; }
  // What the restart selection reads (restart_selection.hpp).
  bool running() const noexcept { return run >= run_state::running; }
  bool waiting() const noexcept { return run == run_state::waiting; }
  bool stays_down() const noexcept { return fate != disposition::normal; }
  bool has_stragglers() const noexcept { return stragglers; }
};

// CAF's std::hash<actor_addr> is not noexcept, so the table would cache it in
// every node: this one is, saving 8 B (a malloc size class) per running child.
struct addr_hash {
  size_t operator()(const caf::actor_addr& a) const noexcept { return static_cast<size_t>(a.id()); }
};

} // namespace core

} // namespace supervise::detail
