// supervise/actors/remote_child.hpp — a child that runs on another CAF node.
//
// `remote_child(opts)` returns an event-based runnable: a small local stand-in
// (the "stub") that places the child on one of `opts.nodes` (each runs a
// node_agent, node_agent.hpp), holds its handle, watches it and its node, and
// ends with the remote child's own exit reason. So every rule of the engine
// (restart types, intensity, backoff, strategies, groups) applies to it
// unchanged: put it wherever a runnable goes (run, child_spec, add). Clients
// reach the current remote actor by the stub's DN (whereis, watch_name:
// names.hpp) or through `opts.handle`; supervision adds no hop to their
// messages.
//
// Every start is a new incarnation with a new epoch (higher than every epoch
// this process gave before, also across its restarts: epochs start from the
// wall clock's microseconds). The agent refuses an epoch older than one it has
// seen for the same key (errc::stale_epoch), and starts the child only once
// this process's lease desk confirmed the epoch; a child may pass its epoch
// (lease_of(), lease_token.hpp) to external resources as a fencing token.
//
// What ends the stub (its exit reason, which the engine then judges):
//  - the child exits: its own exit reason (clean, error, anything);
//  - no candidate node can be reached: errc::no_node_available naming each
//    node and why; a start the agent refuses: its error (stale_epoch,
//    actors_errc::refused, ...);
//  - the connection to the child's node is lost (death, hang, partition: CAF
//    0.17 cannot tell them apart): errc::node_lost naming the node, reported
//    with on_node_lost::wait_for_lease (the default) only once the child's
//    lease has surely lapsed on that node and the child stopped there — so a
//    restart never runs two incarnations at once; with on_node_lost::immediate
//    at once (Erlang's semantics: fast, but a partitioned node may still run
//    the old incarnation while the new one starts).
// Stop: a stop request asks the remote child to exit (user_shutdown) and ends
// when it did; if its node is lost meanwhile, when its lease lapsed. Give such
// children a shutdown timeout above lease + stop_grace.
// A node that failed (lost, unreachable, refused) is skipped by placement for
// `quarantine` (unless no other candidate is left).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>

#include "supervise/runnable.hpp"

namespace supervise::actors {

/// A node that may run remote children: where its node_agent listens.
struct node_address {
  /// The name placement, logs and snapshots use, e.g. "n1". 1..64 chars.
  std::string name;
  /// Host name or address of the agent's endpoint. Must not be empty.
  std::string host = "127.0.0.1";
  /// The agent's port, 1..65535.
  int port = 0;
};

/// How a remote child picks a node among the candidates that are not
/// quarantined (ties go to the earlier candidate).
enum class placement {
  /// The first candidate (Erlang's distributed applications).
  priority,
  /// Each start takes the candidate after the one the last start of these
  /// options took.
  round_robin,
  /// The candidate running the fewest children (as its agent last reported).
  least_loaded,
  /// The candidate running the fewest children of the same `spread_group`
  /// (anti-affinity), then the least loaded.
  spread,
  /// The first candidate only, even while it is quarantined: never another.
  pinned,
};

/// What a lost connection to the child's node means (see the top of this file).
enum class on_node_lost {
  /// Fail over only once the child's lease has surely lapsed there: never two
  /// incarnations at once.
  wait_for_lease,
  /// Fail over at once (duplicates possible across a partition).
  immediate,
};

/// Where a remote child runs now; shared between the stub and its users.
/// Thread-safe.
class remote_placement {
public:
  /// The current remote child, or actors_errc::not_running between
  /// incarnations.
  caf::expected<caf::actor> actor() const;
  /// The name of the node it runs on ("" between incarnations).
  std::string node() const;
  /// The current incarnation's epoch (0 before the first start).
  uint64_t epoch() const;
  /// How many incarnations started so far.
  uint64_t starts() const;
  /// The current child, its node and its epoch, read together.
  struct view {
    caf::actor actor;   ///< invalid between incarnations
    std::string node;   ///< "" between incarnations
    uint64_t epoch = 0; ///< of the last incarnation started
  };
  /// actor(), node() and epoch() under one lock.
  view current() const;
  /// Blocks up to `d` until starts() >= n; true if reached.
  bool wait_starts(uint64_t n, std::chrono::nanoseconds d) const;

  // Used by the stub.
  /// Incarnation `epoch` runs as `child` on `node`.
  void set(caf::actor child, std::string node, uint64_t epoch);
  /// Incarnation `epoch` ended (no effect when a later one is current).
  void clear(uint64_t epoch);

private:
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  caf::actor actor_;
  std::string node_;
  uint64_t epoch_ = 0;
  uint64_t starts_ = 0;
};

/// A remote child's placement changed: remote_child_options::on_placement.
struct placement_event {
  /// What happened.
  enum class kind {
    placed, ///< incarnation `epoch` runs on `node`
    lost,   ///< the connection to `node` was lost (or its start went unanswered)
  };
  kind what = kind::placed; ///< what happened
  std::string_view dn;   ///< the stub's DN
  std::string_view node; ///< the node's name
  uint64_t epoch = 0;    ///< the incarnation
  /// lost: how long until the stub ends with errc::node_lost and the engine
  /// decides (the child's lease surely lapsed there by then; 0 with
  /// on_node_lost::immediate).
  std::chrono::nanoseconds fails_over_in{0};
};

/// What remote_child() starts and where; validate() checks it.
struct remote_child_options {
  /// The actor type the agent spawns: a name registered with
  /// actor_system_config::add_actor_type on the agent's node and on its
  /// allow-list. Required.
  std::string type;
  /// The arguments of that spawn.
  caf::message args;
  /// Candidate nodes, in priority order. At least one; names unique.
  std::vector<node_address> nodes;
  /// How a node is picked among the candidates.
  placement policy = placement::priority;
  /// For placement::spread: children with the same group avoid sharing a
  /// node. Empty: the stub's DN without its last label (its siblings).
  std::string spread_group;
  /// The fencing key agents keep epochs under. Empty: the stub's DN. Give
  /// each supervisor process its own keys when several share agents.
  std::string key;
  /// What a lost connection to the child's node means.
  on_node_lost when_lost = on_node_lost::wait_for_lease;
  /// Lease length L: a child whose lease is not renewed stops within L +
  /// stop_grace. Renewals go every L / 4, one per node pair. >= 100 ms.
  std::chrono::nanoseconds lease = std::chrono::milliseconds(500);
  /// How long a fenced child has to stop before the agent kills it. >= 0.
  std::chrono::nanoseconds stop_grace = std::chrono::milliseconds(50);
  /// Bound on connecting to an agent (TCP, TLS and BASP handshakes) and on
  /// its answer to a start. > 0.
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(2);
  /// How long a failed node is skipped by placement. >= 0.
  std::chrono::nanoseconds quarantine = std::chrono::seconds(5);
  /// Plain BASP instead of mutual TLS (prepare_distribution's `insecure`:
  /// both must agree). Off by default.
  bool insecure = false;
  /// Optional: where the child runs now.
  std::shared_ptr<remote_placement> handle;
  /// Optional: told when the child is placed and when its node is lost, on
  /// the stub's thread (the views are valid during the call). Must not
  /// block; a throw is caught and logged. Each event is also logged.
  std::function<void(const placement_event&)> on_placement;
};

/// Checks `opts`: each bad field gives errc::invalid_option naming it and
/// its value.
caf::error validate(const remote_child_options& opts);

/// The runnable (event-based). Throws std::invalid_argument with
/// validate()'s text when `opts` are bad. The actor system must have been
/// configured by prepare_distribution (distribution.hpp).
runnable remote_child(remote_child_options opts);

} // namespace supervise::actors
