// simulation/substitute_bodies.hpp (private) — what a simulation spawns in
// place of a runnable's own body: a failing init, a delayed init, and a
// blocking runnable stepped in lockstep with the simulated clock.
#pragma once

#include <memory>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "supervise/runnable.hpp"

namespace supervise::detail {
struct incarnation;
} // namespace supervise::detail

namespace supervise::simulation::detail {

/// A lockstep body's wait ended (its time passed): (sim_wake_atom, token).
using sim_wake_atom = caf::atom_constant<caf::atom("sim_wake")>;
/// A stop request for a lockstep body (the engine sends none to a blocking one).
using sim_stop_atom = caf::atom_constant<caf::atom("sim_stop")>;

/// An init that quits with `why` at once.
runnable failing_init(caf::error why);

/// `body`'s init (an event-based runnable), run `delay` of simulated time
/// after the actor started; a `started`-ready incarnation (`inc->reports`)
/// reports up only then. Messages wait meanwhile.
runnable delayed_init(const runnable& body, caf::timespan delay,
                      std::shared_ptr<supervise::detail::incarnation> inc);

/// A blocking runnable as an event-based actor: its body runs on a thread of
/// its own, but only while the actor's handler waits for it, until the body
/// waits (context::wait_for_stop) or returns. A wait of d becomes a message
/// d later on the simulated clock; sim_stop_atom ends a wait early. The
/// actor ends with what the body returned; when the actor ends first (a
/// fault), the body's pending wait throws and its thread is joined.
runnable lockstep_blocking(const runnable& blocking);

} // namespace supervise::simulation::detail
