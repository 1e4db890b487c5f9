#include "agent/lease_registry.hpp"

#include <unordered_map>

namespace supervise::actors::detail {

namespace {

std::mutex& registry_mtx() {
  static std::mutex mtx;
  return mtx;
}

struct registered {
  lease_token token;
  std::string key;
};

std::unordered_map<const caf::abstract_actor*, registered>& leases() {
  static std::unordered_map<const caf::abstract_actor*, registered> xs;
  return xs;
}

} // namespace

std::unique_lock<std::mutex> lock_lease_registry() {
  return std::unique_lock<std::mutex>{registry_mtx()};
}

void put_lease(const caf::abstract_actor* who, lease_token token, std::string key) {
  leases().insert_or_assign(who, registered{std::move(token), std::move(key)});
}

void erase_lease(const caf::abstract_actor* who, uint64_t epoch) {
  auto guard = lock_lease_registry();
  auto i = leases().find(who);
  if (i != leases().end() && i->second.token.epoch() == epoch)
    leases().erase(i);
}

std::vector<lease_entry> all_leases() {
  auto guard = lock_lease_registry();
  std::vector<lease_entry> out;
  for (auto& [who, r] : leases())
    out.push_back({who, r.token, r.key});
  return out;
}

} // namespace supervise::actors::detail

namespace supervise::actors {

std::optional<lease_token> lease_of(const caf::abstract_actor* self) {
  auto guard = detail::lock_lease_registry();
  auto i = detail::leases().find(self);
  if (i == detail::leases().end())
    return std::nullopt;
  return i->second.token;
}

} // namespace supervise::actors
