// engine/probe.hpp (private) — what a simulation sees of, and does to, the
// engines of the tree it runs.
//
// An engine built with a probe (engine_options::probe; a hosted supervisor
// inherits its host's) calls it at five points: it spawns every child
// through it, shows it every exit before judging it, lets it swallow stop
// and kill requests, and tells it every event and state change. Without a
// probe (every tree outside a simulation) each point costs one null test.
// All calls come from an engine's own handler; in a simulation every engine
// runs on the simulator's thread.
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/fwd.hpp>
#include <caf/system_messages.hpp>

#include "supervise/event.hpp"
#include "supervise/node_state.hpp"
#include "supervise/runnable.hpp"

namespace supervise {
struct spec;
} // namespace supervise

namespace supervise::detail {

struct incarnation;

/// Spawns `body` as the actor of `inc`, as an engine does without a probe.
caf::actor spawn_child(caf::event_based_actor* self, const runnable& body,
                       std::shared_ptr<incarnation> inc);

class engine_probe {
public:
  virtual ~engine_probe() = default;

  /// Spawns the actor of a new incarnation (through spawn_child(), around
  /// a body of its own choosing). `sp`: the spec of the supervisor whose
  /// service it is; null for a tree node.
  virtual caf::actor spawn(caf::event_based_actor* self, const runnable& body,
                           std::shared_ptr<incarnation> inc, const spec* sp) = 0;

  /// A child's exit reached its engine; the probe may rewrite the reason
  /// (the fault it planted) before the engine judges it.
  virtual void exited(caf::down_msg& msg) = 0;

  /// The engine is about to send `reason` (user_shutdown or kill) to
  /// `child`; false swallows it (a child that ignores its stop request). For
  /// a blocking child, which gets no message, it is told of the stop request
  /// (its stop flag is set) and the result is ignored.
  virtual bool delivers(const caf::actor& child, caf::exit_reason reason) = 0;

  /// An event, whether or not a hook listens.
  virtual void observe(const event& ev) = 0;

  /// A published state change (what on_state gets).
  virtual void state(const std::string& dn, node_state s) = 0;

  /// The seed of an engine whose options leave it random (seed 0): the
  /// simulation's runs must not draw from std::random_device.
  virtual uint64_t engine_seed() = 0;
};

} // namespace supervise::detail
