// supervise/actors/node_agent.hpp — the endpoint through which other nodes
// run children on this one.
//
// `node_agent(opts)` returns an event-based runnable: put it in the node's
// own local tree (the local engine restarts it like any child). Each start
// publishes one agent actor on `opts.address:opts.port` (127.0.0.1 unless
// told), through caf::openssl (mutual TLS with the openssl.* files) unless
// `opts.insecure`, and signals healthy once the port listens. It removes
// CAF's own spawn server ("SpawnServ", which would let any peer spawn any
// registered type) from the system's registry: children start only through
// the agent, and only from `opts.allow`.
//
// A start request (from a remote_child, remote_child.hpp) names a key, an
// epoch, a type and its arguments. The agent
//  - refuses a type not on `opts.allow` (actors_errc::refused naming it), an
//    epoch not newer than every epoch seen for the key (errc::stale_epoch),
//    a type that spawns a blocking actor (actors_errc::refused: a blocking
//    actor cannot be stopped, so its lease could not be enforced; run such
//    work as a subprocess: add_command_type, command_type.hpp);
//  - spawns the child (actor_system::spawn by registered name) only once
//    the requester's lease desk confirmed the epoch, and renews the leases of
//    all children of one requesting process with one message every lease / 4;
//  - stops a child whose lease lapsed (errc::lease_expired, with high
//    priority; killed after the lease's stop_grace), and every child of a
//    requesting process whose connection it lost, at once;
//  - stops all its children (errc::node_lost) when it stops itself.
// Errors of the node: as published_server's (actors_errc::bind_failed), and
// actors_errc::tls_files / errc::invalid_option when the system was not
// prepared for it (prepare_distribution, distribution.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "supervise/actors/published_server.hpp"
#include "supervise/runnable.hpp"

namespace supervise::actors {

/// What node_agent() serves and where; validate() checks it.
struct node_agent_options {
  /// The registered actor types (actor_system_config::add_actor_type) remote
  /// supervisors may start here. Empty: none.
  std::vector<std::string> allow;
  /// TCP port, 0..65535 (0: ephemeral, kept across restarts).
  int port = 0;
  /// Address to bind: loopback unless given.
  std::string address = "127.0.0.1";
  /// Plain BASP instead of mutual TLS (must agree with prepare_distribution).
  bool insecure = false;
  /// Optional: the bound port and the agent actor.
  std::shared_ptr<published_endpoint> endpoint;
};

/// Checks `opts`: a bad port or address, an empty or duplicate allowed type
/// give errc::invalid_option naming the value.
caf::error validate(const node_agent_options& opts);

/// The runnable (event-based). Throws std::invalid_argument with
/// validate()'s text when `opts` are bad.
runnable node_agent(node_agent_options opts);

} // namespace supervise::actors
