// supervise/simulation_environment.hpp — what a simulation run hosts beside
// the tree on its actor system: the simulated nodes that remote children run
// on (supervise/actors/simulated_nodes.hpp makes one), or your own.
//
// A run calls, in this order and on its one thread: configure() before its
// actor system exists; start() before the tree; after each fault of one of
// its kinds, targets() (when the fault's target is drawn) then apply();
// holds() for ready jobs while it says holding(); check() after every step;
// stop() once the faults and the tail are over, before the tree stops; end()
// once it stopped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "supervise/simulation.hpp"

namespace supervise::simulation {

/// What a run hosts beside the tree: one instance per run, made by
/// options::environment, called on the run's thread only.
class environment {
public:
  virtual ~environment() = default;

  /// Registers what the run's actor system needs (actor types, settings).
  virtual void configure(caf::actor_system_config& cfg) { (void) cfg; }

  /// The run's actor system exists; the tree does not yet.
  virtual void start(caf::actor_system& sys) = 0;

  /// The targets a fault of `kind` (node_loss, partition, pause) may hit
  /// now, in a stable order; empty: the draw finds none.
  virtual std::vector<std::string> targets(fault_kind kind) const = 0;

  /// Applies `f` (one of the three kinds, its target named) now; returns
  /// what the event log says of it.
  virtual std::string apply(const fault& f) = 0;

  /// Whether some actor's jobs are held now (a paused node).
  virtual bool holding() const { return false; }
  /// Whether the jobs of `a` wait (only asked while holding()).
  virtual bool holds(const caf::abstract_actor& a) const {
    (void) a;
    return false;
  }

  /// After every step: a broken invariant of the environment, if any (its
  /// `invariant` names it; `at` and `step` are filled in by the run).
  virtual std::optional<violation> check() { return std::nullopt; }

  /// Releases what is held, so that the tree can stop.
  virtual void stop() {}

  /// The tree stopped: ends every actor the environment spawned (the run
  /// then settles; its actor system cannot shut down before they ended).
  virtual void end() {}
};

} // namespace supervise::simulation
