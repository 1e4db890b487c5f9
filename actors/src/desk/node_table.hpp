// desk/node_table.hpp — what this process knows of each agent endpoint it
// places children on, per actor system: placement reads it (quarantine,
// load), remote_nodes() and the stubs' locations show it (children held,
// when the last lease grant went out). It outlives the desks: a desk quits
// when its last stub ends (between a stub and its restart, say), and the
// next desk of the same system finds a node's quarantine here, and the
// children keys fenced until an incarnation that may still run surely ended.
//
// The desk writes a node's fields, any thread reads them: each is an atomic,
// and the table's lock only guards which nodes exist.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

namespace supervise::actors::detail {

/// One agent endpoint ("host:port"). Times are steady-clock ns (0: never).
struct node_status {
  node_status(std::string n, std::string a) : name(std::move(n)), address(std::move(a)) {}
  const std::string name;    ///< as the first stub naming it called it
  const std::string address; ///< "host:port"
  std::atomic<bool> connected{false};
  std::atomic<int64_t> quarantined_until{0};
  std::atomic<uint64_t> load{0};     ///< children its agent last reported
  std::atomic<uint64_t> children{0}; ///< epochs this process holds current there
  std::atomic<int64_t> last_grant{0};
  std::atomic<uint64_t> grants{0};   ///< renewals answered

  /// Skips the node for placement until `until` (never shortens a quarantine).
  void quarantine(int64_t until) {
    auto cur = quarantined_until.load();
    while (cur < until && !quarantined_until.compare_exchange_weak(cur, until)) {
    }
  }
};

/// The nodes of one actor system. Thread-safe.
class node_table {
public:
  /// The table of `sys` (made on first use; kept for the process's life).
  static std::shared_ptr<node_table> of(caf::actor_system& sys);

  /// The node at `address`, added with `name` when new.
  std::shared_ptr<node_status> get(const std::string& address, const std::string& name);

  /// The node at `address`, or nullptr.
  std::shared_ptr<node_status> find(const std::string& address) const;

  /// Every node, by address.
  std::vector<std::shared_ptr<const node_status>> all() const;

  /// An incarnation of the remote child `key` was released while its child
  /// may still run: no other may start before `until` (steady ns; a fence
  /// is never shortened). Kept here, not in the desk: the next desk (the
  /// last stub gone, a new one placing) must honour it too.
  void fence(const std::string& key, int64_t until);

  /// Until when `key` is fenced at `now` (0: it is not; a passed fence is
  /// forgotten).
  int64_t fenced_until(const std::string& key, int64_t now);

private:
  mutable std::mutex mtx_;
  std::map<std::string, std::shared_ptr<node_status>> by_address_;
  std::map<std::string, int64_t> fences_; // by key
};

} // namespace supervise::actors::detail
