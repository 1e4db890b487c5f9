// simulation/shrinking.hpp (private) — from a failing schedule to a small
// one that breaks the same invariant.
#pragma once

#include <optional>

#include "supervise/simulation.hpp"

namespace supervise::simulation::detail {

/// A schedule and what it breaks.
struct shrunk_run {
  schedule faults;
  std::optional<violation> broken;
};

/// Shrinks `failing` (which broke an invariant) in three passes, each
/// keeping only changes whose replay still breaks the same invariant:
///  1. fewer faults: drop those after the violation, then chunks of halving
///     size (delta debugging), then single faults;
///  2. earlier: each fault moves as early as it can (bisecting between the
///     fault before it and its own time);
///  3. fewer targets: each target's faults try another target already used.
/// At most opts.shrink_runs replays; the result always fails.
shrunk_run shrink_schedule(const tree_factory& tree, const options& opts,
                           const run_result& failing);

} // namespace supervise::simulation::detail
