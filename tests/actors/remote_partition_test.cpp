// A silent, healable partition between the supervising process and a node:
// the node process runs in a network namespace this test creates (a veth
// pair, addresses 10.231.x.1 / .2 of its own), and blackhole routes on both
// sides drop every packet between them without a reset, as a cut cable
// would. The child must move to the other node only after its lease lapsed
// on the cut-off one, and the effect log must show no overlap, also after
// the partition heals. Needs root (ip netns); otherwise the test says so
// and checks nothing.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include <unistd.h>

#include "actors_support.hpp"
#include "node_processes.hpp"
#include "effect_log.hpp"
#include "remote_types.hpp"
#include "supervise/actors/command.hpp"
#include "supervise/actors/remote_child.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

bool sh(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

/// A namespace with a veth link to this one; removed with everything in it.
struct netns {
  std::string name = "svt" + std::to_string(::getpid());
  std::string host_if = "svh" + std::to_string(::getpid() % 100000);
  int subnet = 20 + static_cast<int>(::getpid() % 200);
  std::string host_ip = "10.231." + std::to_string(subnet) + ".1";
  std::string node_ip = "10.231." + std::to_string(subnet) + ".2";
  bool up = false;

  netns() {
    up = sh("ip netns add " + name) && sh("ip link add " + host_if + " type veth peer name eth0 netns " + name)
         && sh("ip addr add " + host_ip + "/24 dev " + host_if) && sh("ip link set " + host_if + " up")
         && sh("ip -n " + name + " addr add " + node_ip + "/24 dev eth0")
         && sh("ip -n " + name + " link set eth0 up") && sh("ip -n " + name + " link set lo up");
  }
  ~netns() {
    sh("ip route del blackhole " + node_ip + "/32");
    sh("ip netns del " + name); // takes the veth pair with it
  }
  bool cut() {
    return sh("ip route add blackhole " + node_ip + "/32")
           && sh("ip -n " + name + " route add blackhole " + host_ip + "/32");
  }
  bool heal() {
    return sh("ip route del blackhole " + node_ip + "/32")
           && sh("ip -n " + name + " route del blackhole " + host_ip + "/32");
  }
};

struct partition_fixture : recording {
  netns ns;
  plain_node_config cfg;
  caf::actor_system sys{cfg};
  uint16_t port1 = free_port();
  uint16_t port2 = free_port();
  std::optional<tree> launcher;
  effect_log effects;

  // n1 in the namespace, n2 here on 127.0.0.1.
  void start_nodes() {
    launch_nodes(launcher, sys, *this,
                 node_process({"ip", "netns", "exec", ns.name, SUPERVISE_ACTORS_NODE,
                               std::to_string(port1), "insecure", ns.node_ip}),
                 node_process({SUPERVISE_ACTORS_NODE, std::to_string(port2), "insecure"}));
  }

  ~partition_fixture() {
    if (launcher) {
      launcher->stop();
      launcher->wait();
    }
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(remote_child_partition, partition_fixture)

BOOST_AUTO_TEST_CASE(a_cut_off_node_s_child_moves_only_after_its_lease_and_never_overlaps) {
  if (!ns.up) {
    BOOST_TEST_MESSAGE("SKIPPED: cannot create a network namespace here (needs root and ip)");
    return;
  }
  start_nodes();
  auto h = std::make_shared<remote_placement>();
  remote_child_options o;
  o.type = "effector";
  o.args = caf::make_message(effects.path);
  o.nodes = {{"n1", ns.node_ip, port1}, {"n2", "127.0.0.1", port2}};
  o.insecure = true;
  o.handle = h;
  tree sup{sys, one_child("svc", remote_child(o)), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  BOOST_REQUIRE_EQUAL(h->node(), "n1");
  auto first = h->epoch();
  BOOST_REQUIRE(effects.wait_effects(first, 3));
  auto cut = std::chrono::steady_clock::now();
  BOOST_REQUIRE(ns.cut());
  BOOST_REQUIRE(h->wait_starts(2, 10s));
  auto failover = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - cut);
  BOOST_CHECK_EQUAL(h->node(), "n2");
  BOOST_REQUIRE(effects.wait_effects(h->epoch(), 3));
  // n1's agent fenced its child on its own (nobody could tell it).
  BOOST_CHECK(logs.wait("root.n1", "stopping root.svc"));
  BOOST_REQUIRE(ns.heal());
  BOOST_REQUIRE(effects.wait_effects(h->epoch(), 50)); // ~100 ms of effects after the heal
  BOOST_CHECK(effects.overlaps().empty());
  BOOST_TEST_MESSAGE("partition -> running on n2: " << failover.count() << " ms");
  BOOST_CHECK_GT(failover.count(), 500.0); // never before the lease could lapse
  BOOST_CHECK_LT(failover.count(), 3000.0);
  sup.stop();
  BOOST_CHECK(!sup.wait());
}

BOOST_AUTO_TEST_SUITE_END()
