// remote_fixtures.hpp — the two set-ups of the remote child tests: a node
// agent in one actor system and a supervisor in another (one process), and
// two node processes (supervise-actors-node) with a supervisor system.
#pragma once

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors_support.hpp"
#include "effect_log.hpp"
#include "node_processes.hpp"
#include "remote_types.hpp"
#include "supervise/actors/command.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"

namespace test {

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;

/// A worker system running a node agent, and a supervisor system.
struct cluster_fixture : recording {
  plain_node_config worker_cfg;
  caf::actor_system worker_sys{worker_cfg};
  plain_node_config sup_cfg;
  caf::actor_system sup_sys{sup_cfg};
  std::shared_ptr<published_endpoint> ep = std::make_shared<published_endpoint>();
  std::optional<tree> worker;

  uint16_t start_agent(std::vector<std::string> allow = {"doubler"}) {
    node_agent_options a;
    a.allow = std::move(allow);
    a.insecure = true;
    a.endpoint = ep;
    worker.emplace(worker_sys, one_child("agent", node_agent(a)), options());
    BOOST_REQUIRE(rec.wait("root.agent", node_state::healthy));
    return ep->port();
  }

  remote_child_options child_on(uint16_t port, std::shared_ptr<remote_placement> h) {
    remote_child_options o;
    o.type = "doubler";
    o.nodes = {{"n1", "127.0.0.1", port}};
    o.insecure = true;
    o.handle = std::move(h);
    return o;
  }

  // (epoch, lease valid) as the child itself sees them.
  std::pair<uint64_t, bool> lease_seen_by(const caf::actor& child) {
    caf::scoped_actor self{sup_sys};
    std::pair<uint64_t, bool> out{0, false};
    self->request(child, 5s, caf::get_atom::value)
      .receive([&](uint64_t e, bool v) { out = {e, v}; }, [](caf::error&) {});
    return out;
  }
};

/// Two node processes (supervise-actors-node, each a command of a local
/// launcher tree) and a supervisor system; plain BASP with heartbeats
/// 100 ms / 500 ms on every side.
struct two_nodes_fixture : recording {
  plain_node_config launcher_cfg;
  caf::actor_system launcher_sys{launcher_cfg};
  plain_node_config sup_cfg;
  caf::actor_system sup_sys{sup_cfg};
  uint16_t port1 = free_port();
  uint16_t port2 = free_port();
  std::shared_ptr<command_control> n1 = std::make_shared<command_control>();
  std::shared_ptr<command_control> n2 = std::make_shared<command_control>();
  std::optional<tree> launcher;
  effect_log effects;

  two_nodes_fixture() {
    auto node = [](uint16_t port, std::shared_ptr<command_control> ctl) {
      return node_process({SUPERVISE_ACTORS_NODE, std::to_string(port), "insecure"}, std::move(ctl));
    };
    launch_nodes(launcher, launcher_sys, *this, node(port1, n1), node(port2, n2));
  }

  ~two_nodes_fixture() {
    n1->signal(SIGCONT);
    launcher->stop();
    launcher->wait();
  }

  remote_child_options effector(std::shared_ptr<remote_placement> h) {
    remote_child_options o;
    o.type = "effector";
    o.args = caf::make_message(effects.path);
    o.nodes = {{"n1", "127.0.0.1", port1}, {"n2", "127.0.0.1", port2}};
    o.insecure = true;
    o.handle = std::move(h);
    return o;
  }
};

} // namespace test
