// supervise/node_state.hpp — the five states of a node in the tree.
#pragma once

namespace supervise {

/// States of a node (Monogon's NodeState): NEW -> HEALTHY -> DEAD, DONE or
/// CANCELED (NEW may end directly); a restart resets the node to NEW.
enum class node_state {
  new_,     ///< created or reset; its runnable may call run/run_group
  healthy,  ///< the runnable signalled healthy
  dead,     ///< the runnable failed; restarts after its backoff
  done,     ///< the runnable signalled done and returned normally
  canceled, ///< the runnable stopped because it was asked to
};

/// "NEW", "HEALTHY", "DEAD", "DONE", "CANCELED".
const char* to_string(node_state x) noexcept;

} // namespace supervise
