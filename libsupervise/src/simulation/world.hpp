// simulation/world.hpp (private) — one run: an actor system on the test
// coordinator, the user's tree with a probe in its engines, the faults, and
// the step loop that checks the invariants after each step.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/error.hpp>

#include "engine/probe.hpp"
#include "simulation/checker.hpp"
#include "supervise/simulation.hpp"

namespace supervise::simulation::detail {

/// splitmix64: spreads consecutive seeds over the whole range.
inline uint64_t seed_mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Where a run's faults come from: drawn from a seed, or a given schedule.
class fault_source {
public:
  /// Draws `opts.faults` times and kinds from `seed`; targets at apply time.
  fault_source(const options& opts, uint64_t seed);
  /// Exactly `faults`.
  explicit fault_source(schedule faults);

  /// When the next fault is due; nullopt when none is left.
  std::optional<caf::timespan> next_at() const;
  /// The next fault; its target is empty when it is to be drawn (target()).
  fault take();
  /// Draws the index of a target among `n` candidates (n > 0, in DN order).
  size_t target(size_t n);
  /// Whether a fault without a target gets one drawn (from a seed), or
  /// stays a draw that found none (a given schedule).
  bool draws_targets() const noexcept { return draws_; }

private:
  schedule faults_;
  size_t next_ = 0;
  bool draws_ = false;
  std::mt19937_64 targets_;
};

/// Whether `k` hits a node of options::environment (not a DN).
inline bool is_node_fault(fault_kind k) {
  return k == fault_kind::node_loss || k == fault_kind::partition || k == fault_kind::pause;
}

/// The exit reason a fault of kind `k` makes its target end with.
caf::error exit_reason_of(fault_kind k);

struct run_settings {
  bool logging = true; // keep the event log (a sweep keeps none)
};

/// Runs the tree once (the class is the probe its engines call).
run_result run_world(const tree_factory& tree, const options& opts, fault_source& faults,
                     uint64_t seed, run_settings settings);

} // namespace supervise::simulation::detail
