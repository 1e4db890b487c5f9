// What an operator sees of remote children: where each runs and how fresh
// its lease is (snapshots and the tree view), placement events (placed, the
// node lost with the time until failover), and the nodes themselves
// (remote_nodes, their Prometheus text), before and after a node is killed.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "remote_fixtures.hpp"
#include "supervise/actors/remote_nodes.hpp"
#include "supervise/names.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

// A copy of a placement_event (its views are valid only during the call).
struct seen_event {
  placement_event::kind what;
  std::string dn, node;
  uint64_t epoch;
  std::chrono::nanoseconds fails_over_in;
};

struct event_list {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<seen_event> xs;

  std::function<void(const placement_event&)> hook() {
    return [this](const placement_event& e) {
      std::lock_guard<std::mutex> guard{mtx};
      xs.push_back({e.what, std::string{e.dn}, std::string{e.node}, e.epoch, e.fails_over_in});
      cv.notify_all();
    };
  }
  // The events once there are `n` (or after 10 s, however many there are).
  std::vector<seen_event> wait_for(size_t n) {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait_for(guard, 10s, [&] { return xs.size() >= n; });
    return xs;
  }
};

const remote_node& named(const std::vector<remote_node>& xs, const std::string& name) {
  for (auto& x : xs)
    if (x.name == name)
      return x;
  BOOST_FAIL("no node " << name);
  return xs.front();
}

// The location of root's first child once it starts with `prefix` (or
// after 10 s, whatever it is then).
std::string location_once(caf::actor_system& sys, const std::string& prefix) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto location = snapshot(sys, "root").at(1).location;
    if (location.rfind(prefix, 0) == 0 || std::chrono::steady_clock::now() > deadline)
      return location;
    std::this_thread::sleep_for(5ms); // ok-sleep: polling a snapshot, a grant raises no event
  }
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(remote_child_observation, two_nodes_fixture)

BOOST_AUTO_TEST_CASE(placement_shows_in_snapshots_events_and_node_metrics) {
  auto h = std::make_shared<remote_placement>();
  event_list events;
  auto o = effector(h);
  o.on_placement = events.hook();
  tree sup{sup_sys, one_child("svc", remote_child(o)), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  auto first = h->epoch();
  // The stub learns of the start after the child runs: its placed event.
  BOOST_REQUIRE_EQUAL(events.wait_for(1).size(), 1u);
  // The snapshot: node, epoch and the age of the node's last lease grant
  // (once the agent renewed; a grant raises no event of its own).
  auto where = "n1 epoch " + std::to_string(first) + ", lease renewed ";
  auto location = location_once(sup_sys, where);
  BOOST_REQUIRE_EQUAL(location.substr(0, std::min(where.size(), location.size())), where);
  auto age_ms = std::stol(location.substr(where.size()));
  BOOST_CHECK_LT(age_ms, 500); // renewed every lease / 4
  // The nodes: both candidates known, the child's node connected and fresh.
  auto nodes = remote_nodes(sup_sys);
  auto& at1 = named(nodes, "n1");
  BOOST_CHECK(at1.connected);
  BOOST_CHECK_EQUAL(at1.address, "127.0.0.1:" + std::to_string(port1));
  BOOST_CHECK_EQUAL(at1.children, 1u);
  BOOST_REQUIRE(at1.lease_age);
  BOOST_CHECK(*at1.lease_age < 500ms);
  BOOST_CHECK_GE(at1.grants, 1u);
  BOOST_CHECK_EQUAL(at1.quarantined_for.count(), 0);
  auto& at2 = named(nodes, "n2");
  BOOST_CHECK(!at2.connected);
  BOOST_CHECK_EQUAL(at2.children, 0u);
  BOOST_CHECK(!at2.lease_age);
  auto text = to_prometheus(nodes);
  auto label = [](const std::string& node, uint16_t port) {
    return "{node=\"" + node + "\",address=\"127.0.0.1:" + std::to_string(port) + "\"}";
  };
  BOOST_CHECK(text.find("# TYPE supervise_remote_node_lease_age_seconds gauge\n") != std::string::npos);
  BOOST_CHECK(text.find("supervise_remote_node_children" + label("n1", port1) + " 1\n")
              != std::string::npos);
  BOOST_CHECK(text.find("supervise_remote_node_connected" + label("n2", port2) + " 0\n")
              != std::string::npos);
  BOOST_CHECK(text.find("supervise_remote_node_lease_age_seconds" + label("n2", port2))
              == std::string::npos); // never granted
  // n1 dies: lost (with the wait for its lease), then placed on n2.
  BOOST_CHECK(!n1->signal(SIGKILL));
  BOOST_REQUIRE(h->wait_starts(2, 10s));
  auto seen = events.wait_for(3);
  BOOST_REQUIRE_EQUAL(seen.size(), 3u);
  BOOST_CHECK(seen[0].what == placement_event::kind::placed);
  BOOST_CHECK_EQUAL(seen[0].dn, "root.svc");
  BOOST_CHECK_EQUAL(seen[0].node, "n1");
  BOOST_CHECK_EQUAL(seen[0].epoch, first);
  BOOST_CHECK(seen[1].what == placement_event::kind::lost);
  BOOST_CHECK_EQUAL(seen[1].node, "n1");
  BOOST_CHECK_EQUAL(seen[1].epoch, first);
  BOOST_CHECK(seen[1].fails_over_in > 0ms);
  BOOST_CHECK(seen[1].fails_over_in <= 600ms); // lease (1 + drift) + grace
  BOOST_CHECK(seen[2].what == placement_event::kind::placed);
  BOOST_CHECK_EQUAL(seen[2].node, "n2");
  BOOST_CHECK_EQUAL(seen[2].epoch, h->epoch());
  nodes = remote_nodes(sup_sys);
  BOOST_CHECK(!named(nodes, "n1").connected);
  BOOST_CHECK(named(nodes, "n1").quarantined_for > 0ms);
  BOOST_CHECK_EQUAL(named(nodes, "n1").children, 0u);
  BOOST_CHECK(named(nodes, "n2").connected);
  BOOST_CHECK_EQUAL(named(nodes, "n2").children, 1u);
  sup.stop();
  BOOST_CHECK(!sup.wait());
}

BOOST_AUTO_TEST_SUITE_END()
