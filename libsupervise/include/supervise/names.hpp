// supervise/names.hpp — stable names: reach the current incarnation of any
// node by its DN, and the introspection snapshot built from the same table.
//
// Every engine (tree or supervisor) on an actor system records, per DN, the
// actor of the node's current incarnation, its state, restart count and
// start time. A restart replaces the actor; clients that look a node up by
// DN (or watch it) are never stranded on a dead incarnation, and nothing is
// proxied: they talk to the child actor directly.
//
// Each actor system has its own table, which lives and dies with the system:
// systems never see each other's names or watchers, not even a system built
// where a destroyed one was. DNs are unique per actor system as long as
// top-level names are (two trees both named "root" would share names: the
// later registration wins).
// All functions are thread-safe and never block on an engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "supervise/node_state.hpp"

namespace supervise {

/// The live actor behind `dn`. Errors: errc::unknown_child (no node has this
/// DN), errc::not_running (the node exists but has no actor right now: it
/// is restarting, waiting out a backoff, or ended). The supervisor node of a
/// supervisor maps to its engine actor.
caf::expected<caf::actor> whereis(caf::actor_system& sys, const std::string& dn);

/// The message a watcher receives: (name_changed_atom, dn, actor), actor
/// null when the node went down.
using name_changed_atom = caf::atom_constant<caf::atom("sv_name")>;

/// Tells `listener` about every change of the actor behind `dn` from now on
/// (it gets the current one at once when there is one). Any thread.
void watch_name(caf::actor_system& sys, const std::string& dn, const caf::actor& listener);

/// Stops telling `listener` about `dn`.
void unwatch_name(caf::actor_system& sys, const std::string& dn, const caf::actor& listener);

/// One node in a snapshot.
struct node_info {
  std::string dn;             ///< the node's full DN, e.g. "root.api.db"
  int depth = 0;              ///< dots in the DN below the snapshot's root
  node_state state = node_state::new_; ///< as its engine last recorded it
  uint64_t restarts = 0;      ///< incarnations started after the first
  std::chrono::nanoseconds uptime{0}; ///< of the current incarnation (0 if none)
  caf::actor_id actor = 0;    ///< of the current incarnation (0 if none)
  /// Where the current incarnation runs when not in this process, as its
  /// runnable said (set_location, context.hpp), e.g. "n1 epoch 17"; "" for
  /// a local node.
  std::string location;
};

/// The subtree at `root_dn` (itself first), depth-first, children in start
/// order; empty when nothing is registered there. Uptime is measured on the
/// actor system's clock (the manual clock in tests).
std::vector<node_info> snapshot(caf::actor_system& sys, const std::string& root_dn);

/// An indented text tree, one line per node (a location last):
///   root                 HEALTHY  restarts=0  up=12.0s  actor=#7
///     db                 DEAD     restarts=3  up=-      actor=-
///     cache              HEALTHY  restarts=1  up=3.2s   actor=#9  at n2 epoch 17
std::string render_text(const std::vector<node_info>& nodes);

/// The same as a Graphviz DOT digraph (nodes labelled with name and state,
/// filled by state).
std::string render_dot(const std::vector<node_info>& nodes);

} // namespace supervise
