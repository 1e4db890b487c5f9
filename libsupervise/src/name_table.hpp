// name_table.hpp (private) — the per-actor-system table behind names.hpp.
//
// Engines write (on start, state change, exit, and when a node is dropped);
// clients read. One mutex: writes are a hash lookup and a few stores, and
// watchers are messaged only when a DN has any.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "supervise/names.hpp"
#include "supervise/node_state.hpp"

namespace supervise::detail {

/// What snapshot() asks an engine: (snapshot_atom, root_dn) ->
/// std::vector<node_info>, its nodes at or below root_dn. Local only.
using snapshot_atom = caf::atom_constant<caf::atom("sv_snap")>;

/// The depth of a supervisor's top node in an engine's answer when the
/// table does not list it: only its accounting counts (merged into its
/// host's row); without a host row it is dropped.
constexpr int unlisted_top = -1;

class name_table {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// The table of `sys`, made on first use and owned by `sys` (through its
  /// registry): it goes with the system, and no other system ever sees it.
  static std::shared_ptr<name_table> of(caf::actor_system& sys);

  /// A new incarnation of `dn` runs as `actor` (owner: the engine's node).
  void started(const std::string& dn, const void* owner, const caf::actor& actor,
               uint64_t restarts, time_point now);
  /// `exited`: the incarnation also exited (as down(), in the same section).
  void state(const std::string& dn, const void* owner, node_state s, bool exited = false);
  /// The incarnation of `dn` exited.
  void down(const std::string& dn, const void* owner);
  /// The node is gone for good (only if `owner` still owns the DN).
  void erase(const std::string& dn, const void* owner);
  /// Room for `n` more rows (an engine about to start a batch): one rehash.
  void reserve(size_t n);

  struct row {
    // restarts and state share a word: 40 B instead of 48 per row, which
    // moves each hash node (key, row, hash, link) down a malloc size class.
    row() : restarts(0), state(node_state::new_) {}
    const void* owner = nullptr;
    caf::actor actor;
    time_point since{};
    uint64_t seq = 0; // registration order: start order among siblings
    uint64_t restarts : 56;
    node_state state : 8;
  };

  std::mutex mtx;
  std::unordered_map<std::string, row> rows;                         // guarded by mtx
  // Where the current incarnation of a DN runs, when not here (remote
  // children only: most DNs have none), as the text a snapshot asks for.
  // Guarded by mtx; called outside it.
  std::unordered_map<std::string, std::function<std::string()>> locations;
  std::unordered_map<std::string, std::vector<caf::actor>> watchers; // guarded by mtx

  /// An engine whose top node is a DN (a tree's root, a supervisor): what
  /// snapshot() asks for the nodes it owns.
  struct engine_entry {
    const void* owner = nullptr; // the engine
    caf::actor actor;            // its actor: takes (snapshot_atom, root_dn)
    /// Describes the engine in place: only on its own thread, or on a test
    /// coordinator between runs. Null once the engine is gone.
    std::function<std::vector<node_info>(const std::string& root_dn)> describe;
  };
  /// Engines by the DN of their top node, in the order they were listed: a
  /// supervisor hosted by a tree's root has the root's DN, after the tree.
  std::unordered_map<std::string, std::vector<engine_entry>> engines; // guarded by mtx

  /// Lists `x` as the engine at `top_dn`.
  void add_engine(const std::string& top_dn, engine_entry x);
  /// Unlists the engine at `top_dn` if it is still `owner`'s.
  void remove_engine(const std::string& top_dn, const void* owner);

  /// Sends (name_changed_atom, dn, actor) to the watchers of dn; mtx held.
  void notify_locked(const std::string& dn, const caf::actor& actor);

  /// The incarnation of dn ended: it runs nowhere now; mtx held.
  void forget_location_locked(const std::string& dn) {
    if (!locations.empty())
      locations.erase(dn);
  }

private:
  uint64_t next_seq_ = 1;
};

} // namespace supervise::detail

// A local reply only: never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<supervise::node_info>)
