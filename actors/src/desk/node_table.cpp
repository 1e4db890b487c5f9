#include "desk/node_table.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/node_id.hpp>

#include "simulation/simulated_network.hpp"

namespace supervise::actors::detail {

std::shared_ptr<node_table> node_table::of(caf::actor_system& sys) {
  if (auto net = simulated_network::of(sys)) // a simulation's systems have no node id of their own
    return net->nodes();
  // By node id: a later actor system of this process is another node.
  static std::mutex mtx;
  static std::map<caf::node_id, std::shared_ptr<node_table>> tables;
  std::lock_guard<std::mutex> guard{mtx};
  auto& t = tables[sys.node()];
  if (!t)
    t = std::make_shared<node_table>();
  return t;
}

std::shared_ptr<node_status> node_table::get(const std::string& address, const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& x = by_address_[address];
  if (!x)
    x = std::make_shared<node_status>(name, address);
  return x;
}

std::shared_ptr<node_status> node_table::find(const std::string& address) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = by_address_.find(address);
  return i == by_address_.end() ? nullptr : i->second;
}

std::vector<std::shared_ptr<const node_status>> node_table::all() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::shared_ptr<const node_status>> out;
  for (auto& [address, x] : by_address_)
    out.push_back(x);
  return out;
}

void node_table::fence(const std::string& key, int64_t until) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& x = fences_[key];
  x = std::max(x, until);
}

int64_t node_table::fenced_until(const std::string& key, int64_t now) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = fences_.find(key);
  if (i == fences_.end())
    return 0;
  if (i->second <= now) {
    fences_.erase(i);
    return 0;
  }
  return i->second;
}

} // namespace supervise::actors::detail
