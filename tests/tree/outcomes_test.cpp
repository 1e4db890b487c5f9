// How a tree node's end decides the tree's next step: do_not_restart stops
// only that node, separate run() calls are separate groups, terminate_tree
// stops everything, an exception is logged at the parent naming the node, a
// return without done is a failure; and the ends that come from outside: a
// stop cancels a pending backoff, a child killed from outside is a restarted
// failure, a child's exit overtakes the engine's backlog, an exit request to
// the tree's actor stops the tree, a stop kills an event child that ignores
// it after the timeout. Manual clock.

#include <boost/test/unit_test.hpp>

#include "supervise/tree.hpp"
#include "tree_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(outcomes, manual_fixture)

BOOST_AUTO_TEST_CASE(do_not_restart_stops_only_that_node) {
  tree t{sys, group_root({{"one", becomes_healthy(rec)}, {"two", rc(rec)}}), options()};
  settle();
  send("root.two", dnr_atom::value);
  advance(120s);
  BOOST_CHECK_EQUAL(rec.count("root.two", node_state::done), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.two"), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 1u); // sibling untouched
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::canceled), 0u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(healthy_at_spawn_resets_the_backoff_only_after_min_uptime) {
  // A child that says healthy as soon as it runs and dies 10 ms later (a
  // command whose program crashes at once) still backs off further.
  tree t{sys, group_root({{"one", rc(rec)}}), options()};
  settle();
  std::vector<caf::timespan> delays{500ms, 750ms, 1125ms};
  for (size_t i = 0; i < delays.size(); ++i) {
    send("root.one", healthy_atom::value);
    advance(10ms);
    send("root.one", fail_atom::value);
    expect_restart_after("root.one", delays[i], i + 1);
  }
  // Healthy for min_uptime (1 s) before its death: back to 500 ms.
  send("root.one", healthy_atom::value);
  advance(1s);
  send("root.one", fail_atom::value);
  expect_restart_after("root.one", 500ms, 4);
  stop(t);
}

BOOST_AUTO_TEST_CASE(min_uptime_zero_resets_on_the_signal) {
  auto opts = options();
  opts.backoff.min_uptime = 0s; // Monogon's rule
  tree t{sys, group_root({{"one", rc(rec)}}), opts};
  settle();
  for (size_t i = 0; i < 3; ++i) {
    send("root.one", healthy_atom::value);
    send("root.one", fail_atom::value);
    expect_restart_after("root.one", 500ms, i + 1);
  }
  stop(t);
}

BOOST_AUTO_TEST_CASE(a_run_group_restart_names_its_cause_once) {
  std::vector<std::string> lines;
  auto opts = options();
  opts.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    if (msg.find("restarting group") != std::string_view::npos)
      lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  tree t{sys, group_root({{"db", rc(rec)}, {"cache", becomes_healthy(rec)}}), opts};
  settle();
  send("root.db", fail_atom::value);
  advance(500ms); // db's backoff
  BOOST_CHECK_EQUAL(rec.starts("root.cache"), 2u);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_CHECK_EQUAL(lines[0], "root: restarting group {db, cache} because root.db failed: "
                              "system::runtime_error");
  stop(t);
}

BOOST_AUTO_TEST_CASE(separate_runs_are_one_for_one) {
  // Two run() calls before the engine sees either: still two groups.
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "a", rc(rec));
    run(ctx, "b", becomes_healthy(rec));
    run_group(ctx, {{"c", rc(rec)}, {"d", becomes_healthy(rec)}});
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  send("root.a", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.b", node_state::canceled), 0u);
  BOOST_CHECK_EQUAL(rec.count("root.d", node_state::canceled), 0u);
  send("root.c", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.d", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.count("root.b", node_state::canceled), 0u);
  BOOST_CHECK_EQUAL(rec.starts("root.d"), 2u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(terminate_tree_stops_everything) {
  tree t{sys, group_root({{"one", spawns_more(rec, 3)}, {"two", rc(rec)}}), options()};
  settle();
  send("root.two", term_atom::value);
  BOOST_REQUIRE(t.stopped());
  BOOST_CHECK(t.wait() == errc::terminate_tree);
  BOOST_CHECK_EQUAL(rec.count("root.one.a.b", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 1u);
}

BOOST_AUTO_TEST_CASE(exception_text_is_logged_at_the_parent_naming_the_node) {
  std::vector<std::string> lines;
  auto opts = options();
  opts.sink = [&](log_level lvl, std::string_view dn, std::string_view msg) {
    if (lvl == log_level::error)
      lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  tree t{sys, group_root({{"two", rc(rec)}}), opts};
  settle();
  send("root.two", throw_atom::value);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_CHECK_EQUAL(lines[0],
                    "root: child root.two failed (restarting): supervise::runnable_threw(\"boom\")");
  stop(t);
}

BOOST_AUTO_TEST_CASE(returning_without_done_is_a_failure) {
  auto quitter = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    return {};
  };
  tree t{sys, group_root({{"q", quitter}}), options()};
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.q", node_state::dead), 1u);
  advance(500ms);
  BOOST_CHECK_EQUAL(rec.starts("root.q"), 2u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(stop_cancels_pending_backoff) {
  tree t{sys, group_root({{"one", rc(rec)}}), options()};
  settle();
  send("root.one", fail_atom::value);
  stop(t); // one waits out 500 ms: the stop must not wait for it
  BOOST_CHECK(t.stopped());
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 1u);
}

BOOST_AUTO_TEST_CASE(a_child_killed_from_outside_is_a_failure_not_fatal) {
  // exit_reason::kill bypasses exit handlers: through a CAF link it would
  // kill the supervisor too. The engine hears the exit as a down_msg instead,
  // and restarts.
  tree t{sys, group_root({{"one", becomes_healthy(rec)}}), options()};
  settle();
  caf::anon_send_exit(rec.actor("root.one"), caf::exit_reason::kill);
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::dead), 1u);
  BOOST_CHECK(!t.stopped());
  advance(500ms);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 2u);
  stop(t);
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_CASE(a_child_exit_overtakes_the_supervisors_backlog) {
  // The child's exit reaches the engine with high priority (the child's
  // actor sends it from its cleanup): it is handled before messages queued
  // earlier at normal priority, as a high-priority monitor's would be.
  // A message the engine handles and ignores in a tree (its internal "pump
  // the start queue" request, which only supervisors use).
  using backlog_atom = caf::atom_constant<caf::atom("sv_pump")>;
  tree t{sys, group_root({{"one", becomes_healthy(rec)}}), options()};
  settle();
  auto engine = t.supervisor();
  constexpr size_t backlog = 50;
  for (size_t i = 0; i < backlog; ++i)
    caf::anon_send(engine, backlog_atom::value);
  caf::anon_send_exit(rec.actor("root.one"), caf::exit_reason::kill);
  BOOST_REQUIRE(sched.prioritize(rec.actor("root.one")));
  BOOST_REQUIRE(sched.try_run_once()); // the child: killed, reports its exit
  BOOST_REQUIRE(sched.prioritize(engine));
  BOOST_REQUIRE(sched.try_run_once()); // the engine: one message
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::dead), 1u);
  auto* self = caf::actor_cast<caf::scheduled_actor*>(engine);
  BOOST_CHECK_EQUAL(self->mailbox().size(), backlog); // all still queued
  settle();
  stop(t);
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_CASE(an_exit_request_to_the_supervisor_stops_the_tree) {
  tree t{sys, group_root({{"one", becomes_healthy(rec)}}), options()};
  settle();
  caf::anon_send_exit(t.supervisor(), caf::exit_reason::user_shutdown);
  settle();
  BOOST_REQUIRE(t.stopped());
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_CASE(stop_kills_an_event_child_after_the_timeout) {
  auto stubborn = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    self->set_exit_handler([](caf::exit_msg&) {}); // ignores stop requests
    return {[](ping_atom) {}};
  };
  auto opts = options();
  opts.stop_timeout = 2s;
  tree t{sys, group_root({{"s", stubborn}}), opts};
  settle();
  stop(t);
  BOOST_CHECK(!t.stopped());
  advance(1999ms);
  BOOST_CHECK(!t.stopped());
  advance(1ms);
  BOOST_CHECK(t.stopped());
  BOOST_CHECK(t.unstopped().empty());
  BOOST_CHECK_EQUAL(rec.count("root.s", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
