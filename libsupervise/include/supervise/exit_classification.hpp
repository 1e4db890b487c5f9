// supervise/exit_classification.hpp — the pure restart decision for one exit.
//
// Monogon §4 in that order: DONE first, then CANCELED, then DEAD; plus our
// two special outcomes. Pure: unit-tested without actors.
#pragma once

#include <caf/error.hpp>

#include "supervise/node_state.hpp"

namespace supervise {

/// What the engine does with a node whose runnable just exited.
enum class exit_outcome {
  done,           ///< normal return after signalling done
  canceled,       ///< stopped after its context was cancelled
  dead,           ///< failure: cancel own subtree and group, restart later
  stop_for_good,  ///< do_not_restart: no restart, nothing else touched
  terminate_tree, ///< terminate_tree: the whole tree stops
};

struct exit_facts {
  caf::error reason;   ///< the actor's exit reason (empty = normal)
  bool signaled_done;  ///< the runnable called signal(done)
  bool cancelled;      ///< the node's context was cancelled before the exit
};

/// Classifies one exit. A cancelled node's exit is CANCELED when its reason
/// is normal, `user_shutdown`, `kill` or `unreachable`; any other error after
/// cancellation is a failure (Monogon: a non-matching error is DEAD).
exit_outcome classify(const exit_facts& facts);

/// The same, without copying the reason into an exit_facts (the engine's
/// restart path: a caf::error copy allocates).
exit_outcome classify(const caf::error& reason, bool signaled_done, bool cancelled);

/// The state a node lands in for `x` (stop_for_good -> done, terminate ->
/// canceled).
node_state state_after(exit_outcome x) noexcept;

} // namespace supervise
