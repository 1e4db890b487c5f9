// detail/restart_selection.hpp — which stopped nodes restart now (pure).
//
// Monogon's three restart predicates over any tree whose nodes expose
//   state (node_state), cancelled (bool), running(), waiting(), stays_down(),
//   has_stragglers() (bool), parent (pointer, null at the root) and
//   children() (a range of pointers).
// No actors, no clock: the engine calls highest_restartable() for the nodes
// each exit touched, and the tests drive both with plain structs.
#pragma once

#include "supervise/node_state.hpp"

namespace supervise::detail {

/// Stopped: no actor runs, no backoff is pending, the state is final, and
/// nothing it hosted still runs (a supervisor that ended before its
/// children: they are its stragglers).
template <class Node>
bool is_stopped(const Node& n) {
  return !n.running() && !n.waiting() && !n.has_stragglers()
         && (n.state == node_state::dead || n.state == node_state::done
             || n.state == node_state::canceled);
}

/// Ready: this node and every descendant have stopped.
template <class Node>
bool is_ready(const Node& n) {
  if (!is_stopped(n))
    return false;
  for (auto& c : n.children())
    if (!is_ready(*c))
      return false;
  return true;
}

/// Wanted: it stopped after its context was cancelled and may restart.
template <class Node>
bool is_wanted(const Node& n) {
  return n.cancelled && is_stopped(n) && !n.stays_down();
}

/// Restartable: wanted, ready, and its parent (if any) is live.
template <class Node>
bool is_restartable(const Node& n) {
  return (n.parent == nullptr || !n.parent->cancelled) && is_wanted(n) && is_ready(n);
}

/// The highest restartable node on the path from the root down to `n`, or
/// null: the one node on that path to restart (its runnable re-creates its
/// subtree). The engine calls it for the nodes an event touched (an exit, a
/// cancellation), so a restart costs O(depth), not a walk over the tree.
template <class Node>
Node* highest_restartable(Node& n) {
  if (n.parent != nullptr)
    if (auto* up = highest_restartable(*n.parent))
      return up;
  return is_restartable(n) ? &n : nullptr;
}

} // namespace supervise::detail
