// supervise/tree.hpp — a supervision tree on a CAF actor system.
//
// `tree` spawns one supervisor actor that owns every node; each runnable is a
// CAF actor whose exit it hears as a high-priority down_msg (not through a
// CAF link: a `kill` exit would bypass the supervisor's exit handler). A tree
// node may host a `supervisor` (supervisor.hpp): run(ctx, "name",
// sup.as_runnable()). The root node is named "root". The tree runs until
// stop() (or a terminate_tree exit); wait() returns its final error.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "supervise/backoff.hpp"
#include "supervise/event.hpp"
#include "supervise/log.hpp"
#include "supervise/node_state.hpp"
#include "supervise/observer.hpp"
#include "supervise/runnable.hpp"

namespace supervise {

/// How a tree runs. The settings it shares with a supervisor's spec
/// (spec.hpp) have the same names there: stop_timeout, propagate_exceptions,
/// seed, on_state, on_event, sink.
struct tree_options {
  /// Per-node restart delay of a DEAD node. Its `jitter` is not
  /// spec::backoff_jitter: see there.
  backoff_options backoff;
  /// Rethrow exceptions from runnables instead of treating them as failures
  /// (Monogon's WithPropagatePanic); the process terminates.
  bool propagate_exceptions = false;
  /// Where node and supervisor log lines go; null = stderr_sink().
  log_sink sink;
  /// How long stop() waits for children to honour their stop request before
  /// event-based ones get exit_reason::kill. Blocking runnables cannot be
  /// killed, nor event-based ones whose handler never returns (still running
  /// 50 ms after the kill): the tree then ends without them (wait() returns)
  /// and lists them in tree::unstopped(); the actor_system cannot shut down
  /// while they run.
  std::chrono::nanoseconds stop_timeout = std::chrono::seconds(10);
  /// Seed of the jitter generator (0 = random_device).
  uint64_t seed = 0;
  /// Called on every state change, on the supervisor actor's thread. Must
  /// not block. Used by tests and metrics.
  std::function<void(const std::string& dn, node_state)> on_state;
  /// Receives child start, stop and failure events of every node (event.hpp;
  /// failures and threshold are 0: tree nodes use per-node backoff). Null:
  /// failures and stop timeouts are logged at the node's DN.
  event_hook on_event;
  /// See every event and state change of the whole tree, nested supervisors
  /// included (observer.hpp); called besides on_event and on_state, which
  /// they do not replace. Null entries are refused by validate().
  observer_list observers;

  /// None when valid; else one errc::invalid_option naming every bad field
  /// and its value, durations in human units ("tree_options: backoff.initial
  /// = -3ms: must be >= 0 (0: restart at once); stop_timeout = -1s: must be
  /// >= 0"). Bad: what backoff_options::validate() rejects (fields named
  /// backoff.*), stop_timeout < 0, a null entry in observers. tree's constructor calls it.
  caf::error validate() const;
};

namespace detail { struct tree_shared; }

/// One supervision tree: its root node "root" runs the given runnable (see
/// the top of this file). Not copyable.
class tree {
public:
  /// Starts the tree. Throws std::invalid_argument when `root` is empty, or
  /// when `opts` is invalid, with "supervise::tree: " and the text of
  /// opts.validate() (every bad field). Any thread (not a CAF worker if you
  /// then call wait()).
  tree(caf::actor_system& sys, runnable root, tree_options opts = {});

  /// Stops the tree and waits for it.
  ~tree();

  tree(const tree&) = delete;
  tree& operator=(const tree&) = delete;

  /// Requests the stop of every node; returns at once. Idempotent.
  void stop();

  /// Blocks until the tree has stopped; its final error: none after stop(),
  /// terminate_tree after such an exit.
  caf::error wait();

  /// As wait(), up to `d`; nullopt when still running.
  std::optional<caf::error> wait_for(std::chrono::nanoseconds d);

  /// Non-blocking: true once the tree has stopped (for manual-clock tests).
  bool stopped() const;

  /// After the end: DNs of blocking runnables that ignored the stop request.
  std::vector<std::string> unstopped() const;

  /// The supervisor actor. An exit message with a non-normal reason sent to
  /// it (or from an actor linked to it) is a stop request, as stop();
  /// exit_reason::kill ends it at once, and its children are then stopped.
  const caf::actor& supervisor() const noexcept { return sup_; }

private:
  std::shared_ptr<detail::tree_shared> shared_;
  caf::actor sup_;
};

} // namespace supervise
