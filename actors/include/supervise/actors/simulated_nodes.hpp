// supervise/actors/simulated_nodes.hpp — remote children in a simulation:
// node agents on simulated nodes, and the faults of their network.
//
// Set simulation::options::environment to simulated_nodes(...) and the tree
// under test runs its remote_child runnables unchanged: each run hosts one
// node agent per simulated node, and the lease desk of the run reaches them
// over a simulated network instead of the middleman (the real placement,
// lease and fencing code, on the simulation's clock). The faults:
//  - node_loss: the node's process dies (its agent and children with it),
//    every connection to it drops (remote_link_unreachable, as CAF 0.17
//    reports it); a new process (agent) starts there `down_for` later;
//  - partition: traffic to and from the node is held for `cut_for`, then
//    delivered; each side closes a connection held longer than its own
//    connection timeout (the node's, or the options' for every other side),
//    and its proxies over it end with remote_link_unreachable;
//  - pause: the node's actors do not run for `cut_for` (their messages and
//    timers wait), its traffic is held as in a partition.
// The invariant one_remote_incarnation, checked after every step: no two
// children of one key act at once, where a child acts while its node is up
// and running and its lease_token is valid (what a child must check before
// an effect that must not overlap with its next incarnation).
//
// The tree's own process is the node `home`. Addresses (host, port) are
// only names here: nothing listens, no socket is opened. Mutual TLS is not
// simulated (a remote_child's `insecure` makes no difference).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "supervise/actors/remote_child.hpp"
#include "supervise/simulation.hpp"

namespace supervise::actors {

/// One simulated node.
struct simulated_node {
  node_address address;            ///< as remote_child_options::nodes names it
  std::vector<std::string> allow;  ///< the types its agent may start
  /// This node's own connection timeout (its process's setting); 0: the
  /// options' one. Sides with different timeouts notice a cut apart.
  caf::timespan connection_timeout{0};
};

/// The nodes of a simulation and how their faults last.
struct simulated_nodes_options {
  /// The nodes: names unique, none named like `home`. At least one.
  std::vector<simulated_node> nodes;
  /// The node of the tree under test (and of its lease desk).
  std::string home = "home";
  /// Registers the actor types the agents start (cfg.add_actor_type(...)).
  std::function<void(caf::actor_system_config&)> types;
  /// How long a lost node stays down before its new process starts.
  caf::timespan down_for = std::chrono::seconds(5);
  /// How long a partition or pause lasts.
  caf::timespan cut_for = std::chrono::seconds(2);
  /// A connection whose traffic is held this long drops (CAF's
  /// middleman.connection-timeout; distribution_options's default).
  caf::timespan connection_timeout = std::chrono::milliseconds(500);
};

/// For simulation::options::environment. Throws std::invalid_argument naming
/// the bad field: no nodes, a node named twice or named like `home`, an
/// empty name, a duration <= 0.
simulation::environment_factory simulated_nodes(simulated_nodes_options opts);

} // namespace supervise::actors
