// Remote children: a node_agent in one actor system (or OS process), a
// remote_child stub in another, over real sockets on 127.0.0.1. Node loss
// is a killed or stopped (SIGSTOP) node process; the "effector" children of
// supervise-actors-node log their effects with CLOCK_MONOTONIC times, which
// every process shares, so overlapping incarnations would show.
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include "actors_support.hpp"
#include "supervise/actors/command.hpp"
#include "supervise/actors/distribution.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/actors/lease_token.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

caf::behavior doubler(caf::event_based_actor* self) {
  return {
    [](int x) { return 2 * x; },
    [self](caf::get_atom) {
      auto lease = lease_of(self);
      return caf::make_message(lease ? lease->epoch() : uint64_t{0}, lease && lease->valid());
    },
  };
}

/// A system prepared for distribution over plain BASP, with "doubler".
struct plain_config : caf::actor_system_config {
  plain_config() {
    set("scheduler.max-threads", 2);
    add_actor_type("doubler", doubler);
    distribution_options d;
    d.insecure = true;
    if (auto err = prepare_distribution(*this, d))
      throw std::runtime_error(render(err));
  }
};

/// A worker system running a node agent, and a supervisor system.
struct cluster_fixture : recording {
  plain_config worker_cfg;
  caf::actor_system worker_sys{worker_cfg};
  plain_config sup_cfg;
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

} // namespace

BOOST_FIXTURE_TEST_SUITE(remote_child_runnable, cluster_fixture)

BOOST_AUTO_TEST_CASE(a_remote_child_runs_on_its_node_and_answers_directly) {
  auto port = start_agent();
  auto h = std::make_shared<remote_placement>();
  tree sup{sup_sys, one_child("svc", remote_child(child_on(port, h))), options()};
  BOOST_REQUIRE(rec.wait("root.svc", node_state::healthy));
  auto child = h->actor();
  BOOST_REQUIRE(child);
  BOOST_CHECK_EQUAL(h->node(), "n1");
  BOOST_CHECK(child->node() == worker_sys.node()); // it runs in the worker system
  BOOST_CHECK_EQUAL(ask(sup_sys, *child), 42);      // answered without a hop
  auto [epoch, valid] = lease_seen_by(*child);
  BOOST_CHECK_EQUAL(epoch, h->epoch());
  BOOST_CHECK(valid);
  BOOST_CHECK(logs.wait("root.svc", "runs on n1 (epoch " + std::to_string(epoch) + ")"));
  sup.stop();
  BOOST_CHECK(!sup.wait());
  BOOST_CHECK(rec.wait("root.svc", node_state::canceled));
  BOOST_CHECK(h->actor().error() == actors_errc::not_running);
}

BOOST_AUTO_TEST_CASE(the_child_s_own_exit_reason_ends_its_stub_and_it_restarts_with_a_new_epoch) {
  auto port = start_agent();
  auto h = std::make_shared<remote_placement>();
  tree sup{sup_sys, one_child("svc", remote_child(child_on(port, h))), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  auto first = h->epoch();
  auto child = *h->actor();
  caf::anon_send(child, caf::exit_msg{caf::actor_addr{}, make_error(errc::shutdown, "disk gone")});
  BOOST_REQUIRE(rec.wait("root.svc", node_state::dead));
  BOOST_CHECK(logs.wait("root", "disk gone"));
  BOOST_REQUIRE(h->wait_starts(2, 10s));
  BOOST_CHECK_GT(h->epoch(), first);
  BOOST_CHECK(*h->actor() != child);
  BOOST_CHECK_EQUAL(ask(sup_sys, *h->actor()), 42);
  sup.stop();
  sup.wait();
}

BOOST_AUTO_TEST_CASE(a_type_off_the_allow_list_is_refused_by_name) {
  auto port = start_agent({"something_else"});
  auto h = std::make_shared<remote_placement>();
  tree sup{sup_sys, one_child("svc", remote_child(child_on(port, h))), options()};
  BOOST_REQUIRE(rec.wait("root.svc", node_state::dead));
  BOOST_CHECK(logs.wait("root", "type \"doubler\" is not on this node's allow-list"));
  BOOST_CHECK_EQUAL(h->starts(), 0u);
  sup.stop();
  sup.wait();
}

BOOST_AUTO_TEST_CASE(caf_s_spawn_server_is_gone_on_an_agent_node) {
  auto port = start_agent();
  auto nid = sup_sys.middleman().connect("127.0.0.1", port);
  BOOST_REQUIRE(nid);
  auto spawned = sup_sys.middleman().remote_spawn<caf::actor>(*nid, "doubler", caf::make_message(), 2s);
  BOOST_CHECK(!spawned);
}

BOOST_AUTO_TEST_CASE(no_reachable_node_is_no_node_available_naming_each) {
  auto h = std::make_shared<remote_placement>();
  auto o = child_on(free_port(), h);
  o.nodes.push_back({"n2", "127.0.0.1", free_port()});
  tree sup{sup_sys, one_child("svc", remote_child(o)), options()};
  BOOST_REQUIRE(rec.wait("root.svc", node_state::dead));
  BOOST_CHECK(logs.wait("root", "no_node_available"));
  BOOST_CHECK(logs.wait("root", "n1 (127.0.0.1:"));
  BOOST_CHECK(logs.wait("root", "n2 (127.0.0.1:"));
  sup.stop();
  sup.wait();
}

BOOST_AUTO_TEST_CASE(an_agent_restart_stops_its_children_and_they_start_again) {
  auto port = start_agent();
  auto h = std::make_shared<remote_placement>();
  tree sup{sup_sys, one_child("svc", remote_child(child_on(port, h))), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  caf::anon_send_exit(ep->actor(), caf::exit_reason::kill); // the agent dies
  BOOST_REQUIRE(rec.wait("root.svc", node_state::dead));
  BOOST_CHECK(logs.wait("root", "its node agent stopped"));
  BOOST_REQUIRE(h->wait_starts(2, 10s)); // the agent restarted on its port
  BOOST_CHECK_EQUAL(ask(sup_sys, *h->actor()), 42);
  sup.stop();
  sup.wait();
}

BOOST_AUTO_TEST_SUITE_END()
