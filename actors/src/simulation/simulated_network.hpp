// simulation/simulated_network.hpp — named nodes inside one actor system,
// connected the way CAF's middleman connects processes, so that code written
// for several processes (a lease desk and its node agents) runs on one
// deterministic scheduler, and the network's faults can be planted.
//
// What an actor on one node holds of an actor on another is a proxy, as in
// CAF: a message to it travels over the connection of the two nodes (its
// sender and every actor handle in it translated to what the receiving node
// holds); a monitor of it fires with the real actor's exit reason once that
// news crossed the connection; and when the connection is lost, every proxy
// over it ends with exit_reason::remote_link_unreachable, as CAF 0.17
// reports a lost node. Held traffic (a partition, a paused node) stays
// queued in order and is delivered when released, as TCP would.
//
// An actor's node is the one it was placed on (place()), or else the node
// of the first message that carries it across. Every call takes the
// network's lock; it is made for CAF's test coordinator, where every actor
// runs on one thread and a run is a pure function of its inputs.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/mailbox_element.hpp>

#include "desk/lease_desk.hpp"
#include "desk/node_table.hpp"

namespace supervise::actors::detail {

class simulated_network : public std::enable_shared_from_this<simulated_network> {
public:
  /// A network inside `sys`; `home` names the node of every actor no other
  /// node claims (the tree under test, its lease desk).
  simulated_network(caf::actor_system& sys, std::string home);
  ~simulated_network();
  simulated_network(const simulated_network&) = delete;
  simulated_network& operator=(const simulated_network&) = delete;

  /// The network `sys` runs over (the lease desk of `sys` connects through
  /// it instead of the middleman), or nullptr.
  static std::shared_ptr<simulated_network> of(const caf::actor_system& sys);
  /// Makes `net` the network of its system, until uninstall().
  static void install(const std::shared_ptr<simulated_network>& net);
  /// Forgets the network of `sys`.
  static void uninstall(const caf::actor_system& sys);

  /// The node of unclaimed actors.
  const std::string& home() const noexcept { return home_node_; }

  /// What the lease desk of this run knows of nodes (node_table::of() of
  /// the system): one per run, so that no run sees another's quarantines.
  const std::shared_ptr<node_table>& nodes() const noexcept { return nodes_; }
  /// The lease desk of this run (desk_use), under desk_use's lock.
  desk_slot desk;

  /// `who` (on `node`) is what a connect to `key` ("host:port") reaches.
  void publish(const std::string& node, const std::string& key, const caf::actor& who);
  /// The actor published at `key`; invalid when none is, or its node is down.
  caf::actor published(const std::string& key) const;

  /// `who` runs on `node` from now on (a node exists once named).
  void place(const caf::actor& who, const std::string& node);

  /// The node `who` runs on ("" when it never was placed nor carried).
  std::string node_of(const caf::actor_addr& who) const;

  /// What an actor on `viewer` holds of `who`: `who` itself when both are on
  /// one node, else the proxy over their connection (connecting them). An
  /// invalid handle when `who` is gone, or either node is down.
  caf::actor view(const std::string& viewer, const caf::actor& who);

  /// Whether `a` and `b` are connected (a view made it, nothing cut it).
  bool connected(const std::string& a, const std::string& b) const;

  /// Cuts the connection of `a` and `b`: traffic in flight is dropped and
  /// every proxy over it ends with remote_link_unreachable.
  void cut(const std::string& a, const std::string& b);

  /// `viewer` alone closes its connection to `peer` (its connection timeout
  /// fired first): nothing crosses any more, but only the proxies on
  /// `viewer` end; `peer` learns when it closes its side too.
  void close(const std::string& viewer, const std::string& peer);

  /// Holds (true) or releases (false) the traffic from `from` to `to`.
  void hold(const std::string& from, const std::string& to, bool held);

  /// The process of `node` dies: its connections are cut, its actors killed,
  /// and it is down (no view reaches it) until revive().
  void lose(const std::string& node);
  /// A node that was lost may be reached again (a new process there).
  void revive(const std::string& node);
  /// Whether `node` is down.
  bool down(const std::string& node) const;

  // -- called by the proxies ---------------------------------------------------

  /// A proxy on `viewer` of `real` got `what`.
  void carry(const std::string& viewer, const caf::actor_addr& real, caf::mailbox_element_ptr what,
             caf::execution_unit* ctx);

private:
  struct parcel; // a message or an actor's end, on its way
  struct lane;   // traffic of one direction
  struct proxy_key {
    std::string viewer;
    caf::actor_id real;
    bool operator<(const proxy_key& o) const {
      return real != o.real ? real < o.real : viewer < o.viewer;
    }
  };

  caf::actor proxy_of(const std::string& viewer, const caf::actor& real);
  caf::strong_actor_ptr translate(const caf::strong_actor_ptr& x, const std::string& from,
                                  const std::string& to);
  caf::message translate(caf::message msg, const std::string& from, const std::string& to);
  void send(const std::string& from, const std::string& to, parcel p, caf::execution_unit* ctx);
  void deliver(parcel& p, caf::execution_unit* ctx);
  void ended(const caf::actor_addr& real, const caf::error& reason);
  lane& lane_of(const std::string& from, const std::string& to);
  std::string home_locked(caf::actor_id id) const;

  caf::actor_system& sys_;
  std::string home_node_;
  std::shared_ptr<node_table> nodes_ = std::make_shared<node_table>();
  std::map<std::string, caf::actor> published_; // by "host:port"
  mutable std::recursive_mutex mtx_;
  std::unordered_map<caf::actor_id, std::string> home_;         // actor -> node
  std::unordered_map<caf::actor_id, caf::actor_addr> by_id_;    // placed or carried actors
  std::map<proxy_key, caf::actor> proxies_;                     // (viewer, real) -> proxy
  std::unordered_map<caf::actor_id, caf::actor_addr> proxied_;  // proxy id -> real
  std::set<caf::actor_id> watched_;                             // reals whose end is reported
  std::map<std::pair<std::string, std::string>, std::unique_ptr<lane>> lanes_;
  std::set<std::pair<std::string, std::string>> links_; // (viewer, peer): viewer's side is open
  std::set<std::string> down_;
};

} // namespace supervise::actors::detail
