// lease_desk.cpp — placement, connections and lease grants of one process
// (see lease_desk.hpp). Every handler runs on the desk's own actor: its
// state needs no lock.
#include "desk/lease_desk.hpp"

#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>
#include <fmt/format.h>

#include "desk/node_table.hpp"
#include "detail/grant_log.hpp"
#include "detail/lease.hpp"
#include "detail/placement.hpp"
#include "detail/protocol.hpp"
#include "simulation/simulated_network.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors::detail {

namespace {

// Time points of the actor clock (self->clock(): steady, or a test's manual
// clock); every time read goes through it.
using clock = std::chrono::steady_clock;
static_assert(std::is_same_v<clock::time_point, caf::actor_clock::time_point>);

// An epoch held current on a node, until its stub releases it.
struct held {
  std::string group; // its spread group
  std::string key;   // its remote child's key
  lease_terms terms; // its lease
};

// A placement waiting for its key's fence.
struct waiting_place {
  place_request_ptr req;
  caf::response_promise rp;
};

// One agent endpoint (host:port), as the candidates of any stub name it.
struct node_entry {
  std::shared_ptr<node_status> status; // what others see of it (node_table.hpp)
  std::string key; // "host:port"
  std::string name;
  std::string host;
  uint16_t port = 0;
  caf::actor agent;         // while connected
  bool connecting = false;  // a connect is in flight
  std::vector<std::function<void(const caf::error&)>> waiting; // for that connect
  std::chrono::nanoseconds quarantine{};
  clock::time_point last_grant{}; // when the last grant went out to it
  grant_log<held> epochs; // held current on it, numbered for renewals
  std::map<std::string, uint64_t> group_members; // epochs above, by spread group
};

template <class Self>
struct desk_state {
  Self* self; // a broker on the I/O thread (see desk_use), or an actor of a simulation
  std::shared_ptr<node_table> table;
  std::shared_ptr<simulated_network> net; // set: agents are reached over it, not the middleman
  std::map<std::string, node_entry> nodes;            // by "host:port"
  std::unordered_map<uint64_t, node_entry*> node_of; // by epoch (nodes never move)
  std::map<caf::actor_addr, std::string> node_of_agent;
  std::map<uint64_t, waiting_place> waiting_places;     // by ticket
  uint64_t next_ticket = 0;

  static std::string key_of(const node_address& a) { return address_of(a); }

  node_entry& entry(const node_address& a) {
    auto& e = nodes[key_of(a)];
    if (e.name.empty()) {
      e.key = key_of(a);
      e.status = table->get(e.key, a.name);
      e.name = a.name;
      e.host = a.host;
      e.port = static_cast<uint16_t>(a.port);
    }
    return e;
  }

  static uint64_t members(const node_entry& e, const std::string& group) {
    auto i = e.group_members.find(group);
    return i == e.group_members.end() ? 0 : i->second;
  }

  // Epoch `epoch` (held as `h`) of `e` is over.
  static void forget(node_entry& e, uint64_t epoch, const held& h) {
    if (auto g = e.group_members.find(h.group); g != e.group_members.end() && --g->second == 0)
      e.group_members.erase(g);
    e.epochs.remove(epoch);
    --e.status->children;
  }

  // Places `req` once no earlier incarnation of its key may still run
  // (node_table::fence).
  void place_when_fenced(place_request_ptr req, caf::response_promise rp) {
    auto now = steady_ns(self->clock().now());
    if (auto until = table->fenced_until(req->key, now); until > now) {
      auto ticket = ++next_ticket;
      waiting_places.emplace(ticket, waiting_place{std::move(req), std::move(rp)});
      self->delayed_send(self, std::chrono::nanoseconds{until - now}, place_atom::value, ticket);
      return;
    }
    place(std::move(req), {}, {}, std::move(rp));
  }

  // A waiting placement's time came.
  void place_waiting(uint64_t ticket) {
    auto i = waiting_places.find(ticket);
    if (i == waiting_places.end())
      return;
    auto w = std::move(i->second);
    waiting_places.erase(i);
    place_when_fenced(std::move(w.req), std::move(w.rp));
  }

  // Tries the best untried candidate; `reasons` collects why others failed.
  void place(place_request_ptr req, std::set<size_t> tried, std::string reasons,
             caf::response_promise rp) {
    auto& opts = *req->opts;
    auto now = self->clock().now();
    std::vector<candidate_state> cs;
    for (size_t i = 0; i < opts.nodes.size(); ++i) {
      auto& e = entry(opts.nodes[i]);
      cs.push_back({tried.count(i) > 0, steady_ns(now) < e.status->quarantined_until.load(),
                     e.status->load.load(), members(e, req->group)});
    }
    auto pick = choose_node(opts.policy, cs, req->turn);
    if (!pick) {
      rp.deliver(make_error(errc::no_node_available, reasons));
      return;
    }
    auto i = *pick;
    auto& e = entry(opts.nodes[i]);
    e.quarantine = opts.quarantine;
    // Held at once, also while connecting: the next placement counts it.
    hold(e, *req);
    if (e.agent) {
      rp.deliver(e.agent, e.name);
      return;
    }
    e.waiting.push_back([this, req, tried, reasons, rp, i](const caf::error& err) mutable {
      auto& n = req->opts->nodes[i];
      if (!err) {
        rp.deliver(entry(n).agent, entry(n).name);
        return;
      }
      unhold(req->epoch);
      reasons += fmt::format("{}{} ({}:{}): {}", reasons.empty() ? "" : "; ", n.name, n.host,
                             n.port, render(err));
      tried.insert(i);
      place(req, std::move(tried), std::move(reasons), std::move(rp));
    });
    if (!e.connecting)
      connect(key_of(opts.nodes[i]), opts);
  }

  // CAF's connection-timeout sweep also cuts a handshake that is in
  // flight at its tick, however young: such a cut is retried while the
  // connect's bound lasts, at most `handshake_retries` times (a hung peer
  // is cut at every tick, so it costs a few ticks, not the whole bound).
  static constexpr int handshake_retries = 2;

  void connect(const std::string& key, const remote_child_options& opts) {
    nodes[key].connecting = true;
    connect(key, opts.insecure, self->clock().now() + opts.connect_timeout, handshake_retries);
  }

  void connect(const std::string& key, bool insecure, clock::time_point deadline, int retries) {
    auto& e = nodes[key];
    if (net) { // a simulated node: reached at once, or not at all
      auto agent = net->view(net->home(), net->published(key));
      if (agent)
        reached(key, std::move(agent));
      else
        failed(key, make_error(caf::sec::cannot_connect_to_node, "simulated node " + key + " is down"));
      return;
    }
    auto& sys = self->system();
    if (!insecure && !sys.has_openssl_manager()) {
      connected(key, make_error(errc::invalid_option,
                                "remote_child: mutual TLS needs caf::openssl loaded "
                                "(prepare_distribution), or set insecure"));
      return;
    }
    auto mm = insecure ? sys.middleman().actor_handle()
                       : sys.openssl_manager().actor_handle();
    auto left = std::max(deadline - self->clock().now(), clock::duration{1});
    self->request(mm, left, caf::connect_atom::value, e.host, e.port)
      .then(
        [this, key](const caf::node_id&, caf::strong_actor_ptr& ptr,
                    const std::set<std::string>&) {
          if (!ptr) {
            connected(key, make_error(errc::no_node_available, "no actor published there"));
            return;
          }
          reached(key, caf::actor_cast<caf::actor>(std::move(ptr)));
        },
        [this, key, insecure, deadline, retries](caf::error& err) {
          if (err == caf::sec::connection_timeout && retries > 0 && self->clock().now() < deadline) {
            connect(key, insecure, deadline, retries - 1);
            return;
          }
          failed(key, err);
        });
  }

  void reached(const std::string& key, caf::actor agent) {
    auto& e = nodes[key];
    e.agent = std::move(agent);
    e.status->connected = true;
    node_of_agent[e.agent.address()] = key;
    self->template monitor<caf::message_priority::high>(e.agent);
    connected(key, {});
  }

  void failed(const std::string& key, const caf::error& err) {
    auto& e = nodes[key];
    e.status->quarantine(steady_ns(self->clock().now() + e.quarantine));
    connected(key, err);
  }

  void connected(const std::string& key, const caf::error& err) {
    auto& e = nodes[key];
    e.connecting = false;
    auto waiting = std::move(e.waiting);
    e.waiting.clear();
    for (auto& f : waiting)
      f(err);
  }

  void hold(node_entry& e, const place_request& req) {
    auto& o = *req.opts;
    e.epochs.add(req.epoch, held{req.group, req.key, lease_terms{o.lease, 1e-3, o.stop_grace}});
    ++e.status->children;
    ++e.group_members[req.group];
    node_of[req.epoch] = &e;
  }

  void unhold(uint64_t epoch) {
    if (auto i = node_of.find(epoch); i != node_of.end()) {
      auto& e = *i->second;
      if (auto* h = e.epochs.find(epoch))
        forget(e, epoch, *h);
      node_of.erase(i);
    }
  }

  // The agent's proxy is gone (its node lost, or the agent stopped).
  void agent_down(const caf::actor_addr& who) {
    auto i = node_of_agent.find(who);
    if (i == node_of_agent.end())
      return;
    auto& e = nodes[i->second];
    if (e.agent.address() == who) {
      e.agent = nullptr;
      e.status->connected = false;
      e.status->quarantine(steady_ns(self->clock().now() + e.quarantine));
    }
    node_of_agent.erase(i);
  }

  // An agent renews the leases of this desk's children: the grant brings
  // its copy (at generation `known`) up to the epochs current there; an
  // agent the desk does not know gets an empty set.
  grant_delta grant(const caf::strong_actor_ptr& sender, uint64_t load, uint64_t known) {
    if (!sender)
      return {0, 0, true, {}, {}};
    auto i = node_of_agent.find(caf::actor_cast<caf::actor_addr>(sender));
    if (i == node_of_agent.end())
      return {0, 0, true, {}, {}};
    auto& e = nodes[i->second];
    e.last_grant = self->clock().now();
    e.status->load = load;
    e.status->last_grant = steady_ns(e.last_grant);
    ++e.status->grants;
    return e.epochs.grant(known);
  }

  // A stub lets its epoch go; when its node was lost, it learns (and waits
  // for) the instant its child has surely stopped there. With `fence` (the
  // child may still run), the next placement of its key waits as well.
  int64_t release(uint64_t epoch, bool lost, bool fence) {
    auto now = self->clock().now();
    for (auto w = waiting_places.begin(); w != waiting_places.end(); ++w)
      if (w->second.req->epoch == epoch) { // released while waiting for its fence: never placed
        w->second.rp.deliver(make_error(errc::no_node_available, "released before it was placed"));
        waiting_places.erase(w);
        break;
      }
    auto i = node_of.find(epoch);
    if (i == node_of.end())
      return steady_ns(now);
    auto& e = *i->second;
    node_of.erase(i);
    auto safe = now;
    if (auto* h = e.epochs.find(epoch)) {
      if (e.epochs.sent(epoch)) {
        safe = std::max(now, safe_failover_at(e.last_grant, h->terms));
        if (fence)
          table->fence(h->key, steady_ns(safe));
      }
      forget(e, epoch, *h);
    }
    if (lost)
      e.status->quarantine(steady_ns(now + e.quarantine));
    return steady_ns(safe);
  }
};

template <class Self>
caf::behavior desk_behavior(Self* self, std::shared_ptr<node_table> table,
                            std::shared_ptr<simulated_network> net) {
  auto st = std::make_shared<desk_state<Self>>();
  st->self = self;
  st->table = std::move(table);
  st->net = std::move(net);
  self->set_down_handler([st](caf::down_msg& msg) { st->agent_down(msg.source); });
  return {
    [st](place_atom, place_request_ptr& req) -> caf::result<caf::actor, std::string> {
      auto rp = st->self->make_response_promise();
      st->place_when_fenced(std::move(req), rp);
      return caf::delegated<caf::actor, std::string>{};
    },
    [st](place_atom, uint64_t ticket) { st->place_waiting(ticket); },
    [st](renew_atom, uint64_t seq, uint64_t load, uint64_t known) {
      auto& sender = st->self->current_sender();
      if (!sender)
        return;
      auto d = st->grant(sender, load, known);
      st->self->template send<caf::message_priority::high>(caf::actor_cast<caf::actor>(sender),
                                                  grant_atom::value, seq, d.from, d.to, d.full,
                                                  std::move(d.added), std::move(d.removed));
    },
    [st](release_atom, uint64_t epoch, bool lost, bool fence) {
      return st->release(epoch, lost, fence);
    },
  };
}

} // namespace

namespace {

std::mutex slots_mtx;
std::map<caf::node_id, desk_slot>& slots() {
  static std::map<caf::node_id, desk_slot> xs;
  return xs;
}

// The slot of `sys`: its simulated network's (a network is one run; the
// systems of a simulation have no node id of their own), else by node id (a
// later system at the same address is another).
desk_slot& slot_of(caf::actor_system& sys, const std::shared_ptr<simulated_network>& net) {
  return net ? net->desk : slots()[sys.node()];
}

} // namespace

desk_use::desk_use(caf::actor_system& sys) : sys_(sys), net_(simulated_network::of(sys)) {
  std::lock_guard<std::mutex> guard{slots_mtx};
  auto& slot = slot_of(sys, net_);
  if (!slot.desk) {
    if (net_) {
      slot.desk = sys.spawn(desk_behavior<caf::event_based_actor>, node_table::of(sys), net_);
      net_->place(slot.desk, net_->home());
    } else {
      // On CAF's I/O thread, as the agent (see spawn_agent): renewals wake
      // no scheduler worker. Not hidden: the system's shutdown then waits
      // until it has quit.
      slot.desk = sys.middleman().spawn_broker(desk_behavior<caf::io::broker>, node_table::of(sys),
                                               nullptr);
    }
  }
  ++slot.users;
  desk_ = slot.desk;
}

desk_use::~desk_use() {
  std::lock_guard<std::mutex> guard{slots_mtx};
  auto& slot = slot_of(sys_, net_);
  if (--slot.users > 0)
    return;
  caf::anon_send_exit(slot.desk, caf::exit_reason::user_shutdown);
  slot.desk = nullptr; // node_table keeps what the next desk needs
}

} // namespace supervise::actors::detail
