// simulated_nodes_test.cpp — remote children under the simulator: the real
// lease desk, node agents and stubs over a simulated network, with node
// loss, partitions and pauses drawn from a seed, checked by
// one_remote_incarnation after every step.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <caf/all.hpp>

#include "agent/lease_registry.hpp"
#include "log_digest.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/actors/remote_nodes.hpp"
#include "supervise/actors/simulated_nodes.hpp"
#include "supervise/context.hpp"
#include "supervise/simulation.hpp"

namespace sim = supervise::simulation;
using namespace supervise;
using namespace supervise::actors;
using namespace std::chrono_literals;

namespace {

caf::behavior sim_worker(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

std::vector<node_address> sim_addresses() {
  return {{"n1", "127.0.0.1", 7101}, {"n2", "127.0.0.1", 7102}, {"n3", "127.0.0.1", 7103}};
}

simulated_nodes_options sim_nodes() {
  simulated_nodes_options o;
  for (auto& a : sim_addresses())
    o.nodes.push_back({a, {"sim_worker"}});
  o.types = [](caf::actor_system_config& cfg) { cfg.add_actor_type("sim_worker", sim_worker); };
  o.connection_timeout = 200ms; // the supervisor side notices a cut while leases hold
  for (auto& n : o.nodes)
    n.connection_timeout = 1500ms; // the nodes notice it later (their own setting)
  return o;
}

// Worker `i` prefers node i, then the others in order.
remote_child_options worker(size_t i, on_node_lost when_lost) {
  remote_child_options o;
  o.type = "sim_worker";
  auto all = sim_addresses();
  for (size_t k = 0; k < all.size(); ++k)
    o.nodes.push_back(all[(i + k) % all.size()]);
  o.lease = 2s;
  o.when_lost = when_lost;
  o.quarantine = 1s;
  return o;
}

runnable remote_tree(on_node_lost when_lost) {
  return runnable::event_based([when_lost](caf::event_based_actor*, context& ctx) -> caf::behavior {
    for (size_t i = 0; i < 3; ++i)
      run(ctx, "w" + std::to_string(i + 1), remote_child(worker(i, when_lost)));
    signal(ctx, signal_type::healthy);
    return {[](int x) { return x; }};
  });
}

sim::options node_faults_only() {
  sim::options o;
  o.environment = simulated_nodes(sim_nodes());
  o.mix = {{sim::fault_kind::node_loss, 1}, {sim::fault_kind::partition, 2},
           {sim::fault_kind::pause, 1}};
  o.seeds = 10;
  o.faults = 20;
  o.mean_gap = 3s;
  o.from_environment = false;
  o.shrink_runs = 200;
  return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(simulation_remote)

BOOST_AUTO_TEST_CASE(leases_keep_one_incarnation_through_node_loss_partitions_and_pauses) {
  auto report = sim::simulate([](caf::actor_system&) { return remote_tree(on_node_lost::wait_for_lease); },
                              node_faults_only());
  BOOST_TEST_MESSAGE(report.text());
  BOOST_TEST(static_cast<bool>(report), report.text());
  BOOST_TEST(report.faults > 0u);
}

BOOST_AUTO_TEST_CASE(failing_over_at_once_runs_two_incarnations_across_a_partition) {
  auto report = sim::simulate([](caf::actor_system&) { return remote_tree(on_node_lost::immediate); },
                              node_faults_only());
  BOOST_REQUIRE(!report);
  BOOST_TEST(report.failure->broken->invariant == "one_remote_incarnation");
  BOOST_TEST_MESSAGE(report.text());
}

// Reproduced with this simulator: a stub killed while its node was cut off (its
// child still holding a valid lease there) restarted at once and placed the
// next incarnation on another node. Its desk now holds that placement until
// the old lease surely lapsed.
BOOST_AUTO_TEST_CASE(a_killed_stub_restarts_its_child_only_once_the_old_one_cannot_run) {
  auto handle = std::make_shared<remote_placement>();
  auto tree = [handle](caf::actor_system&) {
    return runnable::event_based([handle](caf::event_based_actor*, context& ctx) -> caf::behavior {
      auto o = worker(0, on_node_lost::wait_for_lease);
      o.handle = handle;
      run(ctx, "w1", remote_child(o));
      signal(ctx, signal_type::healthy);
      return {[](int x) { return x; }};
    });
  };
  auto faults = sim::decode("1s:partition:n1,1500ms:kill:root.w1");
  BOOST_REQUIRE(faults);
  auto r = sim::replay(tree, node_faults_only(), *faults, 1);
  BOOST_TEST(!r.broken, (r.broken ? sim::to_string(*r.broken) : ""));
  BOOST_TEST(handle->starts() == 2u); // the next incarnation did start, once it was safe
}

// Byte for byte on a replay, and the same on every build that runs it
// (plain and ASan: the digest is fixed here; update it, after reading the
// new log, when a change of what a run logs changes it).
BOOST_AUTO_TEST_CASE(a_run_with_remote_children_replays_byte_for_byte) {
  auto tree = [](caf::actor_system&) { return remote_tree(on_node_lost::wait_for_lease); };
  auto o = node_faults_only();
  auto first = sim::run(tree, o, 3);
  auto again = sim::replay(tree, o, first.faults, first.seed);
  BOOST_TEST(first.log.size() > 20u);
  BOOST_TEST(first.log == again.log, boost::test_tools::per_element());
  auto digest = log_digest(first.log);
  BOOST_TEST_MESSAGE("log digest " << digest << ", " << first.log.size() << " lines");
  BOOST_TEST(digest == 1610648307080934539ULL, "the log's digest is " << digest);
}

// The next incarnation of a killed stub waits for the old lease; if that
// incarnation ends while it waits, its placement is dropped, not made for
// nobody (the node would count a child that never runs). w2 keeps the lease
// desk (and its waiting placements) alive.
BOOST_AUTO_TEST_CASE(a_placement_waiting_for_its_fence_is_dropped_when_its_stub_ends) {
  auto tree = [](caf::actor_system&) {
    return runnable::event_based([](caf::event_based_actor*, context& ctx) -> caf::behavior {
      auto w = worker(0, on_node_lost::wait_for_lease);
      w.quarantine = 1min;
      run(ctx, "w1", remote_child(w));
      run(ctx, "w2", remote_child(worker(1, on_node_lost::wait_for_lease)));
      signal(ctx, signal_type::healthy);
      return {[](int x) { return x; }};
    });
  };
  auto o = node_faults_only();
  o.invariants = {{"one_child_placed_per_stub", [](const sim::run_view& v) -> std::string {
                     uint64_t n = 0;
                     for (auto& node : remote_nodes(v.system()))
                       n += node.children;
                     return n > 2 ? std::to_string(n) + " children placed for two stubs" : "";
                   }}};
  // The partition makes w1's desk fence its key until about 3.05 s; the
  // stub killed at 1.5 s restarts at about 2 s and waits; it fails at 2.2 s.
  auto faults = sim::decode("1s:partition:n1,1500ms:kill:root.w1,2200ms:fail:root.w1");
  BOOST_REQUIRE(faults);
  auto r = sim::replay(tree, o, *faults, 1);
  BOOST_TEST(!r.broken, (r.broken ? sim::to_string(*r.broken) : ""));
}

// A paused node runs nothing: its agent does not fence the child whose
// lease lapsed (nor does the child end), until the pause is over; a cut-off
// node that keeps running fences it once its own side closed the connection.
BOOST_AUTO_TEST_CASE(a_paused_node_runs_nothing_until_it_resumes) {
  auto tree = [](caf::actor_system&) {
    return runnable::event_based([](caf::event_based_actor*, context& ctx) -> caf::behavior {
      auto w = worker(0, on_node_lost::wait_for_lease);
      w.quarantine = 1min; // the next incarnation goes elsewhere
      run(ctx, "w1", remote_child(w));
      signal(ctx, signal_type::healthy);
      return {[](int x) { return x; }};
    });
  };
  auto o = node_faults_only();
  auto nodes = sim_nodes();
  nodes.cut_for = 6s; // the fault lasts from 1s to 7s
  o.environment = simulated_nodes(nodes);
  // Leases of w1's children the agents still keep at t=5s: the new one on
  // another node, and the old one only while its node does not run.
  o.invariants = {{"old_child_gone_by_5s", [](const sim::run_view& v) -> std::string {
                     if (v.now() < 5s || v.now() > 6s)
                       return "";
                     size_t n = 0;
                     for (auto& l : supervise::actors::detail::all_leases())
                       n += l.key == "root.w1" ? 1 : 0;
                     return n > 1 ? std::to_string(n) + " leases of root.w1 kept" : "";
                   }}};
  auto paused = sim::replay(tree, o, *sim::decode("1s:pause:n1"), 1);
  BOOST_REQUIRE(paused.broken);
  BOOST_TEST(paused.broken->invariant == "old_child_gone_by_5s");
  auto cut = sim::replay(tree, o, *sim::decode("1s:partition:n1"), 1);
  BOOST_TEST(!cut.broken, (cut.broken ? sim::to_string(*cut.broken) : ""));
}

BOOST_AUTO_TEST_CASE(bad_node_options_are_refused_naming_the_field) {
  struct row {
    std::function<void(simulated_nodes_options&)> spoil;
    std::string says;
  };
  const std::vector<row> rows{
    {[](simulated_nodes_options& o) { o.nodes.clear(); }, "nodes is empty"},
    {[](simulated_nodes_options& o) { o.nodes[1].address.name = "n1"; }, "\"n1\" is used twice"},
    {[](simulated_nodes_options& o) { o.home = "n2"; }, "\"n2\" is used twice"},
    {[](simulated_nodes_options& o) { o.nodes[0].address.name.clear(); }, "nodes[0].address.name is empty"},
    {[](simulated_nodes_options& o) { o.cut_for = 0s; }, "cut_for must be > 0"},
    {[](simulated_nodes_options& o) { o.down_for = -1s; }, "down_for must be > 0"},
    {[](simulated_nodes_options& o) { o.connection_timeout = 0s; }, "connection_timeout must be > 0"},
    {[](simulated_nodes_options& o) { o.nodes[2].connection_timeout = -1ms; },
     "nodes[2].connection_timeout must be >= 0"},
  };
  for (auto& r : rows) {
    auto o = sim_nodes();
    r.spoil(o);
    try {
      simulated_nodes(o);
      BOOST_ERROR("accepted: " << r.says);
    } catch (const std::invalid_argument& e) {
      BOOST_TEST(std::string{e.what()}.find(r.says) != std::string::npos, e.what());
    }
  }
  BOOST_CHECK_NO_THROW(simulated_nodes(sim_nodes()));
}

BOOST_AUTO_TEST_SUITE_END()
