// simulation/simulated_network.cpp — the connections of simulated nodes and
// the proxies over them (see simulated_network.hpp).
#include "simulation/simulated_network.hpp"

#include <array>
#include <functional>
#include <vector>

#include <caf/actor_proxy.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/send.hpp>

namespace supervise::actors::detail {

namespace {

// A node id of its own per simulated node, as a process of its own has.
caf::node_id node_id_of(const std::string& node) {
  caf::node_id::default_data::host_id_type host{};
  auto h = std::hash<std::string>{}(node);
  for (size_t i = 0; i < host.size(); ++i)
    host[i] = static_cast<uint8_t>(h >> (8 * (i % sizeof(h))));
  return caf::make_node_id(static_cast<uint32_t>(h), host);
}

// How an actor on `viewer` holds an actor of another node.
class proxy final : public caf::actor_proxy {
public:
  proxy(caf::actor_config& cfg, std::weak_ptr<simulated_network> net, std::string viewer,
        caf::actor_addr real)
    : caf::actor_proxy(cfg), net_(std::move(net)), viewer_(std::move(viewer)),
      real_(std::move(real)) {}

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* ctx) override {
    auto net = net_.lock();
    if (!net || getf(is_terminated_flag)) { // a request to a dead proxy is answered at once
      caf::detail::sync_request_bouncer{caf::exit_reason::remote_link_unreachable}(*what);
      return;
    }
    net->carry(viewer_, real_, std::move(what), ctx);
  }

  void kill_proxy(caf::execution_unit* ctx, caf::error reason) override {
    cleanup(std::move(reason), ctx);
  }

  const char* name() const override { return "simulated_proxy"; }

private:
  std::weak_ptr<simulated_network> net_;
  std::string viewer_;
  caf::actor_addr real_;
};

void kill(const caf::actor& p, caf::error reason, caf::execution_unit* ctx) {
  if (auto* x = dynamic_cast<caf::actor_proxy*>(caf::actor_cast<caf::abstract_actor*>(p)))
    x->kill_proxy(ctx, std::move(reason));
}

} // namespace

// A message for a real actor, or the news that one ended for its proxy.
struct simulated_network::parcel {
  caf::strong_actor_ptr dest;
  caf::strong_actor_ptr sender;
  caf::message_id mid;
  caf::message content;
  bool end = false; // `dest` is a proxy to end with `reason`
  caf::error reason;
};

struct simulated_network::lane {
  bool held = false;
  std::deque<parcel> queue;
};

simulated_network::simulated_network(caf::actor_system& sys, std::string home)
  : sys_(sys), home_node_(std::move(home)) {}

simulated_network::~simulated_network() = default;

namespace {

std::mutex installed_mtx;
std::map<const caf::actor_system*, std::weak_ptr<simulated_network>>& installed() {
  static std::map<const caf::actor_system*, std::weak_ptr<simulated_network>> xs;
  return xs;
}

} // namespace

std::shared_ptr<simulated_network> simulated_network::of(const caf::actor_system& sys) {
  std::lock_guard<std::mutex> guard{installed_mtx};
  auto i = installed().find(&sys);
  return i == installed().end() ? nullptr : i->second.lock();
}

void simulated_network::install(const std::shared_ptr<simulated_network>& net) {
  std::lock_guard<std::mutex> guard{installed_mtx};
  installed()[&net->sys_] = net;
}

void simulated_network::uninstall(const caf::actor_system& sys) {
  std::lock_guard<std::mutex> guard{installed_mtx};
  installed().erase(&sys);
}

void simulated_network::publish(const std::string& node, const std::string& key,
                                const caf::actor& who) {
  place(who, node);
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  published_[key] = who;
}

caf::actor simulated_network::published(const std::string& key) const {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto i = published_.find(key);
  if (i == published_.end() || down_.count(home_locked(i->second.id())) > 0)
    return {};
  return i->second;
}

std::string simulated_network::home_locked(caf::actor_id id) const {
  auto i = home_.find(id);
  return i == home_.end() ? std::string{} : i->second;
}

void simulated_network::place(const caf::actor& who, const std::string& node) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  home_[who.id()] = node;
  by_id_[who.id()] = who.address();
}

std::string simulated_network::node_of(const caf::actor_addr& who) const {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  if (auto i = proxied_.find(who.id()); i != proxied_.end())
    return home_locked(i->second.id());
  return home_locked(who.id());
}

bool simulated_network::connected(const std::string& a, const std::string& b) const {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  return links_.count({a, b}) > 0 && links_.count({b, a}) > 0;
}

bool simulated_network::down(const std::string& node) const {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  return down_.count(node) > 0;
}

caf::actor simulated_network::view(const std::string& viewer, const caf::actor& who) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  if (!who)
    return {};
  auto home = home_locked(who.id());
  if (home.empty() || home == viewer)
    return who;
  if (down_.count(viewer) > 0 || down_.count(home) > 0)
    return {};
  return proxy_of(viewer, who);
}

caf::actor simulated_network::proxy_of(const std::string& viewer, const caf::actor& real) {
  auto key = proxy_key{viewer, real.id()};
  if (auto i = proxies_.find(key); i != proxies_.end())
    return i->second;
  auto home = home_locked(real.id());
  // A handle of a third node connects to it, as in CAF; a side that closed
  // the connection opens it again.
  links_.insert({viewer, home});
  links_.insert({home, viewer});
  caf::actor_config cfg;
  auto p = caf::make_actor<proxy, caf::actor>(sys_.next_actor_id(), node_id_of(home), &sys_, cfg,
                                              weak_from_this(), viewer, real.address());
  proxies_.emplace(key, p);
  proxied_[p.id()] = real.address();
  if (down_.count(home) > 0 || down_.count(viewer) > 0) {
    kill(p, caf::exit_reason::remote_link_unreachable, nullptr);
    proxies_.erase(key);
    return p;
  }
  // The network learns of `real`'s end once (at once when it already ended).
  if (watched_.insert(real.id()).second)
    caf::actor_cast<caf::abstract_actor*>(real)->attach_functor(
      [w = weak_from_this(), addr = real.address()](const caf::error& reason) {
        if (auto net = w.lock())
          net->ended(addr, reason);
      });
  return p;
}

caf::strong_actor_ptr simulated_network::translate(const caf::strong_actor_ptr& x,
                                                   const std::string& from, const std::string& to) {
  if (!x)
    return x;
  caf::actor real;
  if (auto i = proxied_.find(x->id()); i != proxied_.end())
    real = caf::actor_cast<caf::actor>(i->second);
  else
    real = caf::actor_cast<caf::actor>(x);
  if (!real)
    return x; // its real actor is gone: the handle stays the dead proxy
  if (home_.count(real.id()) == 0) { // carried across for the first time: it lives on `from`
    home_[real.id()] = from;
    by_id_[real.id()] = real.address();
  }
  if (home_locked(real.id()) == to)
    return caf::actor_cast<caf::strong_actor_ptr>(real);
  return caf::actor_cast<caf::strong_actor_ptr>(proxy_of(to, real));
}

caf::message simulated_network::translate(caf::message msg, const std::string& from,
                                          const std::string& to) {
  for (size_t i = 0; i < msg.size(); ++i) {
    if (msg.match_element<caf::actor>(i)) {
      auto& a = msg.get_mutable_as<caf::actor>(i);
      a = caf::actor_cast<caf::actor>(translate(caf::actor_cast<caf::strong_actor_ptr>(a), from, to));
    } else if (msg.match_element<caf::strong_actor_ptr>(i)) {
      auto& a = msg.get_mutable_as<caf::strong_actor_ptr>(i);
      a = translate(a, from, to);
    } else if (msg.match_element<caf::actor_addr>(i)) {
      auto& a = msg.get_mutable_as<caf::actor_addr>(i);
      if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(a))
        a = caf::actor_cast<caf::actor_addr>(translate(strong, from, to));
    }
  }
  return msg;
}

simulated_network::lane& simulated_network::lane_of(const std::string& from, const std::string& to) {
  auto& l = lanes_[{from, to}];
  if (!l)
    l = std::make_unique<lane>();
  return *l;
}

void simulated_network::carry(const std::string& viewer, const caf::actor_addr& real,
                              caf::mailbox_element_ptr what, caf::execution_unit* ctx) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto to = home_locked(real.id());
  auto dest = caf::actor_cast<caf::strong_actor_ptr>(real);
  if (!dest || links_.count({viewer, to}) == 0 || links_.count({to, viewer}) == 0)
    return; // lost in flight: its proxy ends (or ended) with the connection
  parcel p;
  p.dest = std::move(dest);
  p.sender = translate(what->sender, viewer, to);
  p.mid = what->mid;
  p.content = translate(what->move_content_to_message(), viewer, to);
  send(viewer, to, std::move(p), ctx);
}

void simulated_network::send(const std::string& from, const std::string& to, parcel p,
                             caf::execution_unit* ctx) {
  auto& l = lane_of(from, to);
  if (l.held || !l.queue.empty()) {
    l.queue.push_back(std::move(p));
    return;
  }
  deliver(p, ctx);
}

void simulated_network::deliver(parcel& p, caf::execution_unit* ctx) {
  if (p.end) {
    kill(caf::actor_cast<caf::actor>(p.dest), std::move(p.reason), ctx);
    for (auto i = proxies_.begin(); i != proxies_.end(); ++i)
      if (caf::actor_cast<caf::strong_actor_ptr>(i->second) == p.dest) {
        proxies_.erase(i);
        break;
      }
    return;
  }
  p.dest->enqueue(caf::make_mailbox_element(std::move(p.sender), p.mid, {}, std::move(p.content)),
                  ctx);
}

void simulated_network::ended(const caf::actor_addr& real, const caf::error& reason) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto home = home_locked(real.id());
  std::vector<std::pair<std::string, caf::actor>> viewers;
  for (auto i = proxies_.lower_bound({std::string{}, real.id()});
       i != proxies_.end() && i->first.real == real.id(); ++i)
    viewers.emplace_back(i->first.viewer, i->second);
  for (auto& [viewer, p] : viewers) {
    parcel news;
    news.dest = caf::actor_cast<caf::strong_actor_ptr>(p);
    news.end = true;
    news.reason = reason;
    send(home, viewer, std::move(news), nullptr);
  }
}

void simulated_network::hold(const std::string& from, const std::string& to, bool held) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& l = lane_of(from, to);
  l.held = held;
  while (!l.held && !l.queue.empty()) {
    auto p = std::move(l.queue.front());
    l.queue.pop_front();
    deliver(p, nullptr);
  }
}

void simulated_network::cut(const std::string& a, const std::string& b) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  close(a, b);
  close(b, a);
}

void simulated_network::close(const std::string& viewer, const std::string& peer) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  links_.erase({viewer, peer});
  lane_of(viewer, peer).queue.clear(); // nothing crosses a closed connection
  lane_of(peer, viewer).queue.clear();
  std::vector<caf::actor> over; // proxies on `viewer` of actors on `peer`
  for (auto i = proxies_.begin(); i != proxies_.end();) {
    if (i->first.viewer == viewer && home_locked(i->first.real) == peer) {
      over.push_back(i->second);
      i = proxies_.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& p : over)
    kill(p, caf::exit_reason::remote_link_unreachable, nullptr);
}

void simulated_network::lose(const std::string& node) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  down_.insert(node);
  std::set<std::string> peers;
  for (auto& [pair, _] : lanes_)
    if (pair.first == node || pair.second == node)
      peers.insert(pair.first == node ? pair.second : pair.first);
  for (auto& [viewer, peer] : links_)
    if (viewer == node || peer == node)
      peers.insert(viewer == node ? peer : viewer);
  for (auto& peer : peers)
    cut(node, peer);
  for (auto& [id, addr] : by_id_)
    if (home_locked(id) == node)
      if (auto a = caf::actor_cast<caf::actor>(addr))
        caf::anon_send_exit(a, caf::exit_reason::kill);
}

void simulated_network::revive(const std::string& node) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  down_.erase(node);
}

} // namespace supervise::actors::detail
