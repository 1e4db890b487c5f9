// agent/agent_actor.hpp — the actor a node_agent publishes: it starts
// children for remote stubs and enforces their leases (see node_agent.hpp
// for what it promises, detail/protocol.hpp for its messages).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "supervise/log.hpp"

namespace supervise::actors::detail {

/// Spawns the agent actor of one node_agent incarnation. `allow`: the
/// registered types it may start; `log`: the node's logger.
caf::actor spawn_agent(caf::actor_system& sys, std::shared_ptr<const std::vector<std::string>> allow,
                       logger log);

/// The same agent as a plain event-based actor, for a simulated node
/// (simulation/simulated_network.hpp): no middleman needed.
caf::actor spawn_simulated_agent(caf::actor_system& sys,
                                 std::shared_ptr<const std::vector<std::string>> allow, logger log);

} // namespace supervise::actors::detail
