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
#include <functional>
#include <optional>
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

/// A supervisor's restart accounting at the time of a snapshot: suture's
/// decaying failure counter and OTP's restart intensity window.
struct failure_accounting {
  double failures = 0;  ///< the decaying counter, decayed to the snapshot's time
  double threshold = 0; ///< spec::failure_threshold: restarts pause above it
  std::chrono::nanoseconds decay{0}; ///< spec::failure_decay, the counter's half-life
  bool paused = false;  ///< restarts wait for the backoff pause to end
  /// spec::restart_intensity's max_restarts; none: no intensity limit.
  std::optional<size_t> max_restarts;
  std::chrono::nanoseconds period{0}; ///< the intensity window (0 without one)
  size_t restarts_in_period = 0;      ///< restarts counted within the window now
};

/// One node in a snapshot.
struct node_info {
  std::string dn;             ///< the node's full DN, e.g. "root.api.db"
  int depth = 0;              ///< dots in the DN below the snapshot's root
  node_state state = node_state::new_; ///< as its engine holds it now
  uint64_t restarts = 0;      ///< incarnations started after the first
  std::chrono::nanoseconds uptime{0}; ///< of the current incarnation (0 if none)
  caf::actor_id actor = 0;    ///< of the current incarnation (0 if none)
  /// Where the current incarnation runs when not in this process, as its
  /// runnable said (set_location, context.hpp): for a remote child its node
  /// and lease epoch, e.g. "n1 epoch 17"; "" for a local node.
  std::string location;
  // Added later, so aggregate initialisers of the fields above still work.
  /// Its current (or, while down, last) incarnation: 1 for the first start,
  /// +1 per restart, as child_started::incarnation; 0: never started.
  uint64_t incarnation = 0;
  /// How its last incarnation ended: "normal" for a normal exit, else its
  /// reason as render() (errc.hpp) shows it, e.g. "exit::user_shutdown" or
  /// "system::runtime_error(\"boom\")"; "" while none of its incarnations
  /// has ended.
  std::string last_exit;
  /// Time left until its pending restart: its own backoff (a tree node), or
  /// its supervisor's backoff pause (a service held by it). None when no
  /// restart waits on a timer (running, stopped for good, or waiting for
  /// its group or subtree to stop).
  std::optional<std::chrono::nanoseconds> restart_in;
  /// Set for a supervisor node (a standalone supervisor, or one hosted by a
  /// node): its restart accounting. None for other nodes (a tree node's
  /// restarts wait out its own backoff, shown in restart_in).
  std::optional<failure_accounting> accounting;
};

/// The subtree at `root_dn` (itself first), depth-first, children in start
/// order; empty when nothing is registered there.
///
/// Taken inside the engines: each engine of the subtree (the tree's, and
/// one per supervisor in it) describes its own nodes in one handler, so the
/// fields of one engine's nodes are consistent with each other; engines
/// answer one after the other. Times are read on the actor system's clock
/// (the manual clock in tests).
///
/// Threads: any thread outside the tree's engines; it waits up to `bound`
/// for each engine's answer, and an engine that does not answer in time (or
/// ended meanwhile) leaves its nodes out. From an event hook or an
/// observer, the calling engine describes itself in place and the others
/// are asked as above. On a test coordinator (a manual scheduler, where
/// nothing runs while the test thread does) every engine is described in
/// place, and no message is sent.
std::vector<node_info> snapshot(caf::actor_system& sys, const std::string& root_dn,
                                std::chrono::nanoseconds bound = std::chrono::seconds(5));

/// The same, for an event-based actor, which must never block: asks the
/// engines and calls `done` on `self`'s thread with the merged snapshot once
/// every engine answered (or `bound` passed for it). `done` is always called
/// exactly once, with an empty vector when nothing is registered there.
void snapshot(caf::event_based_actor* self, const std::string& root_dn,
              std::function<void(std::vector<node_info>)> done,
              std::chrono::nanoseconds bound = std::chrono::seconds(5));

/// An indented text tree, one line per node: a pending restart, a
/// supervisor's failure counter, a location and the last exit reason last:
///   root                 HEALTHY  restarts=0  up=12.0s  actor=#7
///     db                 DEAD     restarts=3  up=-      actor=-   restart in 1.2s  last exit: boom
///     cache              HEALTHY  restarts=1  up=3.2s   actor=#9  at n2 epoch 17
std::string render_text(const std::vector<node_info>& nodes);

/// The same as a Graphviz DOT digraph (nodes labelled with name and state,
/// filled by state).
std::string render_dot(const std::vector<node_info>& nodes);

} // namespace supervise
