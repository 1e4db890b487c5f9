// Supervisors and trees composed: a tree node hosts a supervisor (the
// supervisor's rules inside, the tree's outside, stop belongs to the tree),
// terminate_tree from a hosted supervisor stops the tree, a restarted hosted
// supervisor starts the services registered at that moment, a service runs
// tree children of its own, and one supervisor cannot be hosted twice at
// once. Manual clock.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"


#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(supervisor_hosting, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(a_tree_node_hosts_a_supervisor) {
  supervisor api{sys, "api", quiet_spec()};
  value_of(api.add("db", rc(rec, true)));
  tree t{sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "api", api.as_runnable());
           return {[](ping_atom) {}};
         },
         options()};
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.api", node_state::healthy), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.api.db"), 1u);
  // Inside, suture rules: restarted at once, counted by the supervisor.
  send("root.api.db", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.starts("root.api.db"), 2u);
  BOOST_CHECK_EQUAL(log.last("failed").supervisor, "root.api");
  // The API works while it runs hosted; stop belongs to the parent.
  BOOST_CHECK_EQUAL(value_of(api.services()).at(0).dn, "root.api.db");
  BOOST_CHECK(api.stop() == errc::not_standalone);
  t.stop();
  settle();
  BOOST_CHECK(t.stopped());
  BOOST_CHECK_EQUAL(rec.count("root.api", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.count("root.api.db", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_CASE(terminate_tree_from_a_hosted_supervisor_stops_the_tree) {
  supervisor api{sys, "api", quiet_spec()};
  value_of(api.add("db", rc(rec)));
  tree t{sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "api", api.as_runnable());
           run(ctx, "web", becomes_healthy(rec));
           return {[](ping_atom) {}};
         },
         options()};
  settle();
  send("root.api.db", term_atom::value);
  BOOST_REQUIRE(t.stopped());
  BOOST_CHECK(t.wait() == errc::terminate_tree);
  BOOST_CHECK_EQUAL(rec.count("root.web", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_CASE(a_restarted_hosted_supervisor_starts_what_is_registered) {
  // The tree restarts the group {api, buddy}; the new run of api starts the
  // services registered now: added at run time included, removed excluded.
  supervisor api{sys, "api", quiet_spec()};
  auto keep = value_of(api.add("keep", becomes_healthy(rec)));
  auto drop = value_of(api.add("drop", becomes_healthy(rec)));
  tree t{sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run_group(ctx, {{"api", api.as_runnable()}, {"buddy", rc(rec)}});
           return {[](ping_atom) {}};
         },
         options()};
  settle();
  value_of(api.add("added", becomes_healthy(rec)));
  BOOST_REQUIRE(!api.remove(drop));
  settle();
  send("root.buddy", fail_atom::value); // api is cancelled with its group
  BOOST_CHECK_EQUAL(rec.count("root.api", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.count("root.api", node_state::healthy), 2u); // at once: cancelled
  BOOST_CHECK_EQUAL(rec.starts("root.api.keep"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("root.api.added"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("root.api.drop"), 1u);
  auto list = value_of(api.services());
  BOOST_REQUIRE_EQUAL(list.size(), 2u);
  BOOST_CHECK(list[0].token == keep);
  t.stop();
  settle();
}

// Three levels: T supervises M, M supervises a, b and c. A failure beyond
// M's intensity escalates: M ends, T restarts it, and the escalation
// recovers. M's new run starts what its spec says: a (add, before the run)
// and c (add, during the run: suture keeps it), not b (start_child on the
// running M: OTP re-runs init, which does not name it).
BOOST_AUTO_TEST_CASE(a_restarted_supervisor_starts_what_its_spec_says) {
  auto msp = quiet_spec();
  msp.restart_intensity = intensity{0, 60s}; // the first failure escalates
  supervisor m{sys, "M", msp};
  value_of(m.add("a", rc(rec)));
  supervisor top{sys, "T", quiet_spec()};
  value_of(top.add(m));
  BOOST_REQUIRE(!top.start());
  settle();
  child_spec b;
  b.id = "b";
  b.start = rc(rec);
  value_of(m.start_child(b, 0s));
  value_of(m.add("c", rc(rec)));
  settle();
  BOOST_REQUIRE_EQUAL(rec.starts("T.M.b"), 1u);
  BOOST_REQUIRE_EQUAL(rec.starts("T.M.c"), 1u);
  send("T.M.a", fail_atom::value); // M gives up: T restarts M
  BOOST_CHECK(!top.stopped());
  BOOST_CHECK_EQUAL(rec.count("T.M", node_state::dead), 1u);
  BOOST_CHECK_EQUAL(rec.starts("T.M.a"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("T.M.c"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("T.M.b"), 1u);
  std::vector<std::string> ids;
  for (auto& c : value_of(m.which_children()))
    ids.push_back(c.id);
  BOOST_CHECK(ids == (std::vector<std::string>{"a", "c"}));
  // b's id is free again: a start_child on the new run takes it.
  BOOST_CHECK(m.start_child(b, 0s));
  settle();
  BOOST_CHECK_EQUAL(rec.starts("T.M.b"), 2u);
  stop(top);
}

BOOST_AUTO_TEST_CASE(a_service_runs_its_own_children) {
  // A service may run/run_group children (Monogon style) under the
  // supervisor: its failure cancels them, its restart re-creates them.
  supervisor s{sys, "A", quiet_spec()};
  auto web = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    run(ctx, "handler", rc(rec));
    signal(ctx, signal_type::healthy);
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  value_of(s.add("web", web));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.web.handler"), 1u);
  send("A.web.handler", fail_atom::value); // a tree node: its own backoff
  BOOST_CHECK_EQUAL(rec.starts("A.web.handler"), 1u);
  advance(750ms); // 500 ms +-50 % jitter (tree-node backoff defaults)
  BOOST_CHECK_EQUAL(rec.starts("A.web.handler"), 2u);
  BOOST_CHECK_EQUAL(log.last("failed").failures, 0.0); // not a service failure
  send("A.web", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.count("A.web.handler", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.starts("A.web"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("A.web.handler"), 3u);
  BOOST_CHECK_EQUAL(log.last("failed").failures, 1.0);
  stop(s);
}

BOOST_AUTO_TEST_CASE(hosting_one_supervisor_twice_fails_the_second_run) {
  supervisor api{sys, "api", quiet_spec()};
  tree t{sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "one", api.as_runnable());
           run(ctx, "two", api.as_runnable());
           return {[](ping_atom) {}};
         },
         options()};
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::healthy), 1u);
  BOOST_CHECK_EQUAL(rec.count("root.two", node_state::dead), 1u);
  t.stop();
  settle();
}

BOOST_AUTO_TEST_SUITE_END()
