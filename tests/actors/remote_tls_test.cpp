// Remote children over mutual TLS (the default): a node agent and a
// supervisor whose certificates one CA signed work together; a supervisor
// presenting a certificate of another CA cannot start anything, and the
// agent keeps serving the next good peer.
#include <boost/test/unit_test.hpp>

#include "actors_support.hpp"
#include "supervise/actors/distribution.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"
#include "tls_identity.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

caf::behavior doubler() {
  return {[](int x) { return 2 * x; }};
}

/// A system prepared for mutual TLS with the given files, with "doubler".
struct tls_config : caf::actor_system_config {
  tls_config(const std::string& cert, const std::string& key, const std::string& ca) {
    set("scheduler.max-threads", 2);
    set("openssl.certificate", cert);
    set("openssl.key", key);
    set("openssl.cafile", ca);
    add_actor_type("doubler", doubler);
    if (auto err = prepare_distribution(*this))
      throw std::runtime_error(render(err));
  }
};

struct tls_fixture : identity_fixture, recording {
  tls_config worker_cfg{at("node.pem"), at("node.key"), at("ca.pem")};
  caf::actor_system worker_sys{worker_cfg};
  std::shared_ptr<published_endpoint> ep = std::make_shared<published_endpoint>();
  std::optional<tree> worker;

  tls_fixture() {
    node_agent_options a;
    a.allow = {"doubler"};
    a.endpoint = ep;
    worker.emplace(worker_sys, one_child("agent", node_agent(a)), options());
    BOOST_REQUIRE(rec.wait("root.agent", node_state::healthy));
  }

  remote_child_options child(std::shared_ptr<remote_placement> h) {
    remote_child_options o;
    o.type = "doubler";
    o.nodes = {{"n1", "127.0.0.1", ep->port()}};
    o.handle = std::move(h);
    return o;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(remote_child_tls, tls_fixture)

BOOST_AUTO_TEST_CASE(a_remote_child_runs_over_mutual_tls_by_default) {
  tls_config cfg{at("node.pem"), at("node.key"), at("ca.pem")};
  caf::actor_system sys{cfg};
  auto h = std::make_shared<remote_placement>();
  tree sup{sys, one_child("svc", remote_child(child(h))), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  BOOST_CHECK_EQUAL(ask(sys, *h->actor()), 42);
  sup.stop();
  BOOST_CHECK(!sup.wait());
}

BOOST_AUTO_TEST_CASE(a_peer_of_another_ca_starts_nothing_and_the_agent_keeps_serving) {
  {
    tls_config cfg{at("other.pem"), at("other.key"), at("ca.pem")};
    caf::actor_system sys{cfg};
    auto h = std::make_shared<remote_placement>();
    tree sup{sys, one_child("svc", remote_child(child(h))), options()};
    BOOST_REQUIRE(rec.wait("root.svc", node_state::dead));
    BOOST_CHECK(logs.wait("root", "no_node_available"));
    BOOST_CHECK_EQUAL(h->starts(), 0u);
    sup.stop();
    sup.wait();
  }
  tls_config cfg{at("node.pem"), at("node.key"), at("ca.pem")};
  caf::actor_system sys{cfg};
  auto h = std::make_shared<remote_placement>();
  tree sup{sys, one_child("good", remote_child(child(h))), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  BOOST_CHECK_EQUAL(ask(sys, *h->actor()), 42);
  BOOST_CHECK(rec.count("root.agent", node_state::dead) == 0); // never disturbed
  sup.stop();
  sup.wait();
}

BOOST_AUTO_TEST_CASE(a_plain_peer_cannot_reach_a_tls_agent) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  distribution_options d;
  d.insecure = true;
  BOOST_REQUIRE(!prepare_distribution(cfg, d));
  caf::actor_system sys{cfg};
  auto h = std::make_shared<remote_placement>();
  auto o = child(h);
  o.insecure = true;
  tree sup{sys, one_child("svc", remote_child(o)), options()};
  BOOST_REQUIRE(rec.wait("root.svc", node_state::dead));
  BOOST_CHECK(logs.wait("root", "no_node_available"));
  BOOST_CHECK_EQUAL(h->starts(), 0u);
  sup.stop();
  sup.wait();
}

BOOST_AUTO_TEST_SUITE_END()
