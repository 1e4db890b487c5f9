// supervise/actors/remote_nodes.hpp — the nodes this process places remote
// children on, as an operator sees them: connected or not, quarantined, how
// many of this process's children they run, and how fresh their leases are.
//
//   for (auto& n : remote_nodes(sys))
//     fmt::print("{} {} children, lease renewed {} ms ago\n", n.name, n.children,
//                n.lease_age ? *n.lease_age / 1ms : -1);
//   std::string text = to_prometheus(remote_nodes(sys)); // next to metrics.hpp's
//
// A node's leases are renewed together (one stream per node pair, every
// lease / 4): lease_age is the time since the last grant went out to it. It
// stays below lease / 4 plus a round trip while the node is reachable; past
// the lease, that node's children have stopped themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

namespace supervise::actors {

/// One node (a node_agent's endpoint) as seen from this process.
struct remote_node {
  std::string name;    ///< as remote_child_options::nodes names it
  std::string address; ///< "host:port"
  bool connected = false; ///< a connection to its agent is up
  /// How long placement still skips it (0: not quarantined).
  std::chrono::nanoseconds quarantined_for{0};
  uint64_t children = 0; ///< children of this process placed there
  uint64_t load = 0;     ///< children its agent runs, as it last reported
  /// Time since the last lease grant went out to it; none before the first.
  std::optional<std::chrono::nanoseconds> lease_age;
  uint64_t grants = 0; ///< lease renewals answered so far
};

/// Every node a remote_child of `sys` has named, by address. Any thread;
/// cheap (a copy of a few atomics per node).
std::vector<remote_node> remote_nodes(caf::actor_system& sys);

/// `nodes` in the Prometheus text format (version 0.0.4), labelled by node
/// name and address: supervise_remote_node_connected,
/// supervise_remote_node_quarantined_seconds, supervise_remote_node_children,
/// supervise_remote_node_load, supervise_remote_node_lease_age_seconds (absent
/// before the first grant) and supervise_remote_node_grants_total.
std::string to_prometheus(const std::vector<remote_node>& nodes);

} // namespace supervise::actors
