// Remote children in numbers and at the edges of the engine's rules: the
// exit reasons the engine treats specially (do_not_restart, terminate_tree)
// cross the wire unchanged, and a thousand remote children spread over three
// node agents start, run and stop.
#include <boost/test/unit_test.hpp>

#include <array>
#include <map>

#include "actors_support.hpp"
#include "remote_types.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/names.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

/// Three worker systems with a node agent each, and a supervising system.
struct three_agents_fixture : recording {
  std::array<plain_node_config, 3> cfgs;
  std::array<std::unique_ptr<caf::actor_system>, 3> workers;
  std::array<std::optional<tree>, 3> agents;
  std::vector<node_address> nodes;
  plain_node_config sup_cfg;
  caf::actor_system sup_sys{sup_cfg};

  three_agents_fixture() {
    for (size_t i = 0; i < 3; ++i) {
      workers[i] = std::make_unique<caf::actor_system>(cfgs[i]);
      auto ep = std::make_shared<published_endpoint>();
      node_agent_options a;
      a.allow = {"doubler"};
      a.insecure = true;
      a.endpoint = ep;
      auto name = "agent" + std::to_string(i + 1);
      agents[i].emplace(*workers[i], one_child(name, node_agent(a)), options());
      BOOST_REQUIRE(rec.wait("root." + name, node_state::healthy));
      nodes.push_back({"n" + std::to_string(i + 1), "127.0.0.1", ep->port()});
    }
  }

  ~three_agents_fixture() {
    for (auto& a : agents) {
      a->stop();
      a->wait();
    }
  }

  remote_child_options doubler(std::shared_ptr<remote_placement> h = nullptr) {
    remote_child_options o;
    o.type = "doubler";
    o.nodes = nodes;
    o.insecure = true;
    o.handle = std::move(h);
    return o;
  }

  // Ends the remote child of `h` with `reason`, as if it chose to.
  static void end_child(const remote_placement& h, caf::error reason) {
    caf::anon_send(*h.actor(), caf::exit_msg{caf::actor_addr{}, std::move(reason)});
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(remote_child_rules, three_agents_fixture)

BOOST_AUTO_TEST_CASE(do_not_restart_crosses_the_wire_unchanged) {
  auto h = std::make_shared<remote_placement>();
  tree sup{sup_sys, one_child("svc", remote_child(doubler(h))), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  end_child(*h, make_error(errc::do_not_restart));
  BOOST_REQUIRE(rec.wait("root.svc", node_state::done)); // DONE, not restarted
  BOOST_CHECK_EQUAL(rec.count("root.svc", node_state::dead), 0u);
  BOOST_CHECK_EQUAL(h->starts(), 1u);
  sup.stop();
  BOOST_CHECK(!sup.wait());
}

BOOST_AUTO_TEST_CASE(terminate_tree_crosses_the_wire_unchanged) {
  auto h = std::make_shared<remote_placement>();
  tree sup{sup_sys, one_child("svc", remote_child(doubler(h))), options()};
  BOOST_REQUIRE(h->wait_starts(1, 10s));
  end_child(*h, make_error(errc::terminate_tree, "shut it all"));
  auto end = sup.wait();
  BOOST_CHECK(end == errc::terminate_tree);
  BOOST_CHECK_EQUAL(detail_of(end), "shut it all");
}

BOOST_AUTO_TEST_CASE(a_thousand_remote_children_spread_over_three_nodes) {
  constexpr size_t n = 1000;
  auto opts = doubler();
  opts.policy = placement::spread;
  auto child = remote_child(opts);
  tree sup{sup_sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    for (size_t i = 0; i < n; ++i)
      run(ctx, "c" + std::to_string(i), child);
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  }, options()};
  for (size_t i = 0; i < n; ++i)
    BOOST_REQUIRE(rec.wait("root.c" + std::to_string(i), node_state::healthy, 1, 60s));
  std::map<std::string, size_t> per_node;
  for (auto& x : snapshot(sup_sys, "root"))
    if (x.depth == 1)
      per_node[x.location.substr(0, x.location.find(' '))]++;
  BOOST_CHECK_EQUAL(per_node.size(), 3u);
  for (auto& [node, count] : per_node) // spread: as even as it gets
    BOOST_CHECK_MESSAGE(count >= 333 && count <= 334, node << " runs " << count);
  auto c7 = whereis(sup_sys, "root.c7");
  BOOST_REQUIRE(c7);
  BOOST_CHECK_EQUAL(ask(sup_sys, *c7), 42);
  sup.stop();
  BOOST_CHECK(!sup.wait());
  BOOST_CHECK_EQUAL(rec.count("root.c999", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
