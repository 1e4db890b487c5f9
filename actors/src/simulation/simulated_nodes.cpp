// simulation/simulated_nodes.cpp — the environment of simulated_nodes(): node
// agents on a simulated network, its faults, and one_remote_incarnation
// (see supervise/actors/simulated_nodes.hpp).
#include "supervise/actors/simulated_nodes.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "agent/agent_actor.hpp"
#include "agent/lease_registry.hpp"
#include "detail/protocol.hpp"
#include "simulation/simulated_network.hpp"
#include "supervise/simulation_environment.hpp"

namespace supervise::actors {

namespace {

using simulation::fault;
using simulation::fault_kind;

// What a timer of the environment does when it fires.
enum class due : int { revive, peers_close, node_closes, heal };

// One node of one run.
struct node_run {
  simulated_node spec;
  std::string key;     // "host:port": where the desk connects
  bool down = false;   // lost, its new process not started yet
  bool cut = false;    // partitioned or paused
  bool paused = false; // its actors do not run
  uint64_t round = 0;  // which cut a timer belongs to: a later cut's timers win
};

class nodes_environment final : public simulation::environment {
public:
  explicit nodes_environment(std::shared_ptr<const simulated_nodes_options> opts)
    : opts_(std::move(opts)) {
    for (auto& n : opts_->nodes)
      nodes_.push_back({n, detail::address_of(n.address)});
  }

  ~nodes_environment() override {
    if (net_)
      detail::simulated_network::uninstall(*sys_);
  }

  void configure(caf::actor_system_config& cfg) override {
    if (opts_->types)
      opts_->types(cfg);
  }

  void start(caf::actor_system& sys) override {
    sys_ = &sys;
    net_ = std::make_shared<detail::simulated_network>(sys, opts_->home);
    detail::simulated_network::install(net_);
    // The environment's timers: messages on the run's clock to this actor.
    timer_ = sys.spawn(
      [](caf::event_based_actor*, nodes_environment* env) -> caf::behavior {
        return {[env](int what, uint64_t node, uint64_t round) {
          env->fire(static_cast<due>(what), node, round);
        }};
      },
      this);
    for (size_t i = 0; i < nodes_.size(); ++i)
      start_agent(i);
  }

  std::vector<std::string> targets(fault_kind) const override {
    std::vector<std::string> out;
    for (auto& n : nodes_)
      if (!n.down && !n.cut)
        out.push_back(n.spec.address.name);
    return out;
  }

  std::string apply(const fault& f) override {
    auto i = index_of(f.target);
    if (i == nodes_.size())
      return f.target + " is not a simulated node: no effect";
    auto& n = nodes_[i];
    if (n.down)
      return f.target + " is down: no effect";
    if (f.kind == fault_kind::node_loss) {
      n.down = true;
      n.cut = n.paused = false;
      ++n.round;
      net_->lose(n.spec.address.name);
      after(opts_->down_for, due::revive, i, n.round);
      return f.target + "'s process died";
    }
    if (n.cut)
      return f.target + " is already cut off: no effect";
    n.cut = true;
    n.paused = f.kind == fault_kind::pause;
    ++n.round;
    hold(n, true);
    // Each side closes the held connection once its own timeout fired.
    if (opts_->connection_timeout < opts_->cut_for)
      after(opts_->connection_timeout, due::peers_close, i, n.round);
    if (timeout_of(n) < opts_->cut_for)
      after(timeout_of(n), due::node_closes, i, n.round);
    after(opts_->cut_for, due::heal, i, n.round);
    return f.target + (n.paused ? " pauses" : " is cut off");
  }

  bool holding() const override {
    return std::any_of(nodes_.begin(), nodes_.end(), [](const node_run& n) { return n.paused; });
  }

  bool holds(const caf::abstract_actor& a) const override {
    auto node = net_->node_of(a.address());
    return std::any_of(nodes_.begin(), nodes_.end(), [&](const node_run& n) {
      return n.paused && n.spec.address.name == node;
    });
  }

  std::optional<simulation::violation> check() override {
    // key -> "epoch E on node", for every child that acts now.
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> acting;
    for (auto& l : detail::all_leases()) {
      auto node = net_->node_of(l.who->address());
      auto i = index_of(node);
      if (i == nodes_.size() || nodes_[i].down || nodes_[i].paused || !l.token.valid())
        continue;
      acting[l.key].emplace_back(l.token.epoch(), node);
    }
    for (auto& [key, xs] : acting) {
      if (xs.size() < 2)
        continue;
      // (Epochs come from the wall clock: the text names the nodes only, so
      // that a replay prints it alike.)
      std::sort(xs.begin(), xs.end());
      simulation::violation v;
      v.invariant = "one_remote_incarnation";
      v.dn = key;
      v.what = fmt::format("an incarnation on {} and a newer one on {} both hold a valid lease",
                           xs[0].second, xs[1].second);
      return v;
    }
    return std::nullopt;
  }

  void stop() override {
    for (auto& n : nodes_)
      if (n.cut) {
        ++n.round;
        heal(n);
      }
  }

  void end() override {
    for (auto& n : nodes_)
      if (auto agent = net_->published(n.key))
        caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(timer_, caf::exit_reason::user_shutdown);
  }

private:
  size_t index_of(const std::string& name) const {
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].spec.address.name == name)
        return i;
    return nodes_.size();
  }

  void start_agent(size_t i) {
    auto& n = nodes_[i];
    auto allow = std::make_shared<const std::vector<std::string>>(n.spec.allow);
    auto agent = detail::spawn_simulated_agent(*sys_, std::move(allow),
                                               logger{n.spec.address.name, nullptr});
    net_->publish(n.spec.address.name, n.key, agent);
  }

  void after(caf::timespan d, due what, size_t node, uint64_t round) {
    caf::delayed_anon_send(timer_, d, static_cast<int>(what), uint64_t{node}, round);
  }

  void fire(due what, size_t i, uint64_t round) {
    auto& n = nodes_[i];
    if (round != n.round)
      return; // a later fault of the node took over
    switch (what) {
      case due::revive:
        n.down = false;
        net_->revive(n.spec.address.name);
        start_agent(i);
        break;
      case due::peers_close:
        for (auto& other : peers_of(n))
          net_->close(other, n.spec.address.name);
        break;
      case due::node_closes:
        for (auto& other : peers_of(n))
          net_->close(n.spec.address.name, other);
        break;
      case due::heal:
        heal(n);
        break;
    }
  }

  caf::timespan timeout_of(const node_run& n) const {
    return n.spec.connection_timeout.count() > 0 ? n.spec.connection_timeout
                                                 : opts_->connection_timeout;
  }

  // Every other node, the home node included.
  std::vector<std::string> peers_of(const node_run& n) const {
    std::vector<std::string> out{opts_->home};
    for (auto& o : nodes_)
      if (&o != &n)
        out.push_back(o.spec.address.name);
    return out;
  }

  void hold(const node_run& n, bool held) {
    for (auto& other : peers_of(n)) {
      net_->hold(n.spec.address.name, other, held);
      net_->hold(other, n.spec.address.name, held);
    }
  }

  void heal(node_run& n) {
    n.cut = n.paused = false;
    hold(n, false);
  }

  std::shared_ptr<const simulated_nodes_options> opts_;
  caf::actor_system* sys_ = nullptr;
  std::shared_ptr<detail::simulated_network> net_;
  std::vector<node_run> nodes_;
  caf::actor timer_;
};

void validate(const simulated_nodes_options& o) {
  auto bad = [](const std::string& what) {
    throw std::invalid_argument("simulated_nodes: " + what);
  };
  if (o.nodes.empty())
    bad("nodes is empty");
  if (o.home.empty())
    bad("home is empty");
  std::set<std::string> names{o.home};
  for (size_t i = 0; i < o.nodes.size(); ++i) {
    auto& name = o.nodes[i].address.name;
    if (name.empty())
      bad(fmt::format("nodes[{}].address.name is empty", i));
    if (!names.insert(name).second)
      bad(fmt::format("nodes[{}].address.name \"{}\" is used twice (home is \"{}\")", i, name,
                      o.home));
  }
  auto positive = [&](const char* field, caf::timespan d) {
    if (d.count() <= 0)
      bad(fmt::format("{} must be > 0, got {} ns", field, d.count()));
  };
  positive("down_for", o.down_for);
  positive("cut_for", o.cut_for);
  positive("connection_timeout", o.connection_timeout);
  for (size_t i = 0; i < o.nodes.size(); ++i)
    if (o.nodes[i].connection_timeout.count() < 0)
      bad(fmt::format("nodes[{}].connection_timeout must be >= 0, got {} ns", i,
                      o.nodes[i].connection_timeout.count()));
}

} // namespace

simulation::environment_factory simulated_nodes(simulated_nodes_options opts) {
  validate(opts);
  auto shared = std::make_shared<const simulated_nodes_options>(std::move(opts));
  return [shared] { return std::make_unique<nodes_environment>(shared); };
}

} // namespace supervise::actors
