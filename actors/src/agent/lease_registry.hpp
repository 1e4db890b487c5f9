// agent/lease_registry.hpp — the leases of this process's agent children,
// by actor: what lease_of() (lease_token.hpp) answers from.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "supervise/actors/lease_token.hpp"

namespace supervise::actors::detail {

/// Held while an agent spawns a child and registers its lease, so that the
/// child's own lease_of() (on another thread) waits for the registration.
std::unique_lock<std::mutex> lock_lease_registry();

/// Registers `who`'s lease, of the child `key`; the caller holds lock_lease_registry().
void put_lease(const caf::abstract_actor* who, lease_token token, std::string key);

/// Forgets `who`'s lease of `epoch` (not a later one at the same address).
void erase_lease(const caf::abstract_actor* who, uint64_t epoch);

/// One registered lease.
struct lease_entry {
  const caf::abstract_actor* who;
  lease_token token;
  std::string key; ///< the remote child's key
};

/// Every registered lease (a copy, taken under the lock).
std::vector<lease_entry> all_leases();

} // namespace supervise::actors::detail
