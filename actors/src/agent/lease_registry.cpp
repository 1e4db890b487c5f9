#include "agent/lease_registry.hpp"

#include <unordered_map>

namespace supervise::actors::detail {

namespace {

std::mutex& registry_mtx() {
  static std::mutex mtx;
  return mtx;
}

std::unordered_map<const caf::abstract_actor*, lease_token>& leases() {
  static std::unordered_map<const caf::abstract_actor*, lease_token> xs;
  return xs;
}

} // namespace

std::unique_lock<std::mutex> lock_lease_registry() {
  return std::unique_lock<std::mutex>{registry_mtx()};
}

void put_lease(const caf::abstract_actor* who, lease_token token) {
  leases().insert_or_assign(who, std::move(token));
}

void erase_lease(const caf::abstract_actor* who, uint64_t epoch) {
  auto guard = lock_lease_registry();
  auto i = leases().find(who);
  if (i != leases().end() && i->second.epoch() == epoch)
    leases().erase(i);
}

} // namespace supervise::actors::detail

namespace supervise::actors {

std::optional<lease_token> lease_of(const caf::abstract_actor* self) {
  auto guard = detail::lock_lease_registry();
  auto i = detail::leases().find(self);
  if (i == detail::leases().end())
    return std::nullopt;
  return i->second;
}

} // namespace supervise::actors
