// supervise/actors/command_type.hpp — an OS program as an actor type a node
// agent can start as a remote child.
//
// A node agent refuses a type that spawns a blocking actor: CAF cannot stop
// one, so its lease could not be enforced. Work that blocks runs instead as
// a subprocess: add_command_type(cfg, "name", opts) registers an event-based
// actor type that runs `opts` as a `command` (command.hpp: its own process
// group, output logged, reaped) and ends with the command's exit reason
// (actors_errc::exited or killed_by_signal). Asked to stop (an exit message,
// e.g. the agent fencing it when its lease lapses), it stops the program —
// SIGTERM to the group, SIGKILL after opts.grace — and then ends with the
// stop's reason. The type takes no spawn arguments (remote_child_options::args
// stays empty).
#pragma once

#include <string>

#include <caf/fwd.hpp>

#include "supervise/actors/command.hpp"

namespace supervise::actors {

/// Registers `name` with `cfg` (actor_system_config::add_actor_type); put
/// `name` on the node agent's allow-list. Throws std::invalid_argument with
/// validate()'s text when `opts` are bad.
void add_command_type(caf::actor_system_config& cfg, const std::string& name,
                      command_options opts);

} // namespace supervise::actors
