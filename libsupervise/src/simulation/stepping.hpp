// simulation/stepping.hpp (private) — how a run moves: the ready jobs of
// CAF's test coordinator and its manual clock.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/timespan.hpp>

#include "supervise/simulation_environment.hpp"

namespace supervise::simulation::detail {

class stepping {
public:
  /// Steps `sched` from now on. `interleave`: ready jobs run in an order
  /// drawn from `seed` (else first in, first out); `env` (may be null) holds
  /// the jobs of some actors (a paused node).
  stepping(caf::scheduler::test_coordinator& sched, bool interleave, uint64_t seed,
           const environment* env);

  /// Simulated time since the run began.
  caf::timespan now() const { return sched_.clock().current_time - t0_; }

  /// When the first pending timer is due (since the run began), if any.
  std::optional<caf::timespan> next_timer() const;

  /// Moves the clock to `t` (firing what is due), or fires the first due
  /// timer when `t` is not later than now.
  void advance_to(caf::timespan t);

  /// Moves the clock to `t` when it is later than now (nothing fires early).
  void move_to(caf::timespan t);

  /// Runs every ready job: first in, first out, or the next one drawn from
  /// the seed, as another scheduler might pick it; held jobs stay queued,
  /// in order.
  void settle();

private:
  bool held(caf::resumable* job) const;

  caf::scheduler::test_coordinator& sched_;
  caf::detail::test_actor_clock::time_point t0_;
  bool interleave_;
  std::mt19937_64 order_;
  const environment* env_;
  std::vector<size_t> ready_; // settle()'s, kept for its capacity
};

} // namespace supervise::simulation::detail
