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
#include <caf/fwd.hpp>

#include "supervise/node_state.hpp"

namespace supervise::detail {

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
