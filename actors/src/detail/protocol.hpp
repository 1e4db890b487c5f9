// detail/protocol.hpp — the messages between a remote child's stub, its
// process's lease desk and a node agent. Only atoms, strings, integers,
// actor handles and messages cross the network (std::vector<uint64_t> is
// announced by prepare_distribution on both sides).
//
//  stub  -> desk   (place_atom, place_request)          -> (agent, node name)
//  stub  -> agent  (start_atom, key, epoch, type, args, desk) -> child actor
//  agent -> desk   (renew_atom, seq, load, generation)
//  desk -> agent   (grant_atom, seq, from, to, full, added, removed)
//                  (both plain messages, high priority: the agent matches a
//                  grant to its renewal by seq and by the desk sending it)
//  stub  -> desk   (release_atom, epoch, lost, fence)    -> safe failover time
//                  (fence: the child may still run there, so the next
//                  placement of its key waits for that time)
//
// A grant brings the agent's copy of the epochs the desk holds current on
// it from generation `from` to `to` (detail/grant_log.hpp): the agent starts
// a pending child only when its epoch is in the set, stops a child whose
// epoch left it, and lets the others run until its renewal's send time +
// lease.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "supervise/actors/remote_child.hpp"

namespace supervise::actors::detail {

using place_atom = caf::atom_constant<caf::atom("sv_place")>;
using start_atom = caf::atom_constant<caf::atom("sv_start")>;
using renew_atom = caf::atom_constant<caf::atom("sv_renew")>;
using grant_atom = caf::atom_constant<caf::atom("sv_grant")>;
using release_atom = caf::atom_constant<caf::atom("sv_release")>;
using load_atom = caf::atom_constant<caf::atom("sv_load")>;

/// What a stub asks its desk to place (a local message only).
struct place_request {
  std::shared_ptr<const remote_child_options> opts;
  std::string group;  ///< the spread group
  std::string key;    ///< the remote child's key (its incarnations never overlap)
  uint64_t epoch = 0; ///< the incarnation to hold current once placed
  uint64_t turn = 0;  ///< round_robin's turn
};

using place_request_ptr = std::shared_ptr<const place_request>;

/// The endpoint of `a`, "host:port": how the desk and the stubs key a node.
inline std::string address_of(const node_address& a) {
  return a.host + ":" + std::to_string(a.port);
}

/// The steady clock's time since its epoch, in ns: how local messages carry
/// time points.
inline int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

} // namespace supervise::actors::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(supervise::actors::detail::place_request_ptr)
