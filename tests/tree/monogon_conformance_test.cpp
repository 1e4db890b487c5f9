// Monogon conformance: every test of Monogon's supervisor tests (the Go
// supervision tree whose rules a tree follows) under its snake_case name:
// group restarts when a member dies or panics, deep subtrees cancelled and
// re-created, the exponential backoff and its reset on healthy, a pending
// backoff cancelled with its parent, DONE handling, resilience to
// misbehaving children, sub-loggers, and the sequence of states reported.
// Manual clock: CAF's test_coordinator.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <optional>

#include "supervise/tree.hpp"
#include "tree_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(monogon_conformance, manual_fixture)

BOOST_AUTO_TEST_CASE(simple) {
  tree t{sys, group_root({{"one", becomes_healthy(rec)}, {"two", becomes_healthy(rec)}}),
         options()};
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::healthy), 1u);
  BOOST_CHECK_EQUAL(rec.count("root.two", node_state::healthy), 1u);
  BOOST_CHECK_EQUAL(rec.count("root", node_state::done), 1u);
  stop(t);
  BOOST_CHECK(t.stopped());
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_CASE(simple_failure) {
  tree t{sys, group_root({{"one", becomes_healthy(rec)}, {"two", rc(rec)}}), options()};
  settle();
  send("root.two", healthy_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.two", node_state::healthy), 1u);
  send("root.two", fail_atom::value);
  // two is DEAD, its group sibling one was cancelled and restarted at once,
  // before two's own backoff (500 ms) ran out.
  BOOST_CHECK_EQUAL(rec.count("root.two", node_state::dead), 1u);
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 2u);
  BOOST_CHECK_EQUAL(rec.count("root.one", node_state::healthy), 2u);
  BOOST_CHECK_EQUAL(rec.starts("root.two"), 1u);
  advance(499ms);
  BOOST_CHECK_EQUAL(rec.starts("root.two"), 1u);
  advance(1ms);
  BOOST_CHECK_EQUAL(rec.starts("root.two"), 2u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(deep_failure) {
  tree t{sys, group_root({{"one", spawns_more(rec, 5)}, {"two", rc(rec)}}), options()};
  settle();
  BOOST_CHECK_EQUAL(rec.starts("root.one.a.b.a.b"), 1u);
  send("root.two", fail_atom::value);
  // The whole deep subtree was cancelled, then one re-created it.
  BOOST_CHECK_EQUAL(rec.count("root.one.a.b.a.b", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("root.one.a.b.a.b"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("root.one.b.b.b.b"), 2u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(panic) {
  // An exception (Go: panic) is a death; the sibling is cancelled, restarted.
  tree t{sys, group_root({{"one", becomes_healthy(rec)}, {"two", rc(rec)}}), options()};
  settle();
  send("root.two", throw_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.two", node_state::dead), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 2u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(multiple_level_failure) {
  tree t{sys, group_root({{"one", spawns_more(rec, 4)}, {"two", spawns_more(rec, 4)}}),
         options()};
  settle();
  BOOST_CHECK_EQUAL(rec.starts("root.two.b.b.b"), 1u);
  stop(t);
  BOOST_CHECK(t.stopped());
  BOOST_CHECK_EQUAL(rec.count("root.two.b.b.b", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_CASE(backoff) {
  // one dies 4 times: delays 500, 750, 1125, 1687 ms (jitter off here).
  tree t{sys, group_root({{"one", rc(rec)}}), options()};
  settle();
  std::vector<caf::timespan> delays{500ms, 750ms, 1125ms, 1688ms}; // 1687.5 ms
  for (size_t i = 0; i < delays.size(); ++i) {
    send("root.one", fail_atom::value);
    expect_restart_after("root.one", delays[i], i + 1);
  }
  // The 5th death waits at least 1 s (here 2531 ms).
  send("root.one", fail_atom::value);
  advance(1s);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 5u);
  advance(1532ms); // 2531.25 ms in all
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 6u);
  // Healthy resets the backoff (here once it lasted min_uptime, 1 s): the
  // next death restarts after 500 ms.
  send("root.one", healthy_atom::value);
  advance(1s);
  send("root.one", fail_atom::value);
  advance(500ms);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 7u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(cancel_restart) {
  // root starts inner; inner dies and waits out its backoff; then root dies.
  // inner's pending backoff is cancelled, root restarts after its own delay.
  std::atomic<int> root_starts{0};
  auto root = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    root_starts++;
    rec.started(ctx.dn(), caf::actor{self});
    run(ctx, "inner", rc(rec));
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  tree t{sys, root, options()};
  settle();
  // Make inner's backoff long: three deaths (500 + 750 + 1125 ms served).
  send("root.inner", fail_atom::value);
  advance(500ms);
  send("root.inner", fail_atom::value);
  advance(750ms);
  send("root.inner", fail_atom::value); // now waiting 1125 ms
  advance(10ms);
  send("root", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.inner", node_state::canceled), 1u);
  advance(500ms); // root's own first backoff, not inner's 1125 ms
  BOOST_CHECK_EQUAL(root_starts.load(), 2);
  BOOST_CHECK_EQUAL(rec.starts("root.inner"), 4u); // re-created, fresh
  stop(t);
}

BOOST_AUTO_TEST_CASE(done_delay) {
  // inner signals healthy+done but keeps running; root fails meanwhile. The
  // root must not be reset before inner has really returned.
  auto inner = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    self->set_exit_handler([](caf::exit_msg&) { /* ignore: returns on t_quit */ });
    return {[self](quit_atom) { self->quit(); }};
  };
  auto root = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    run(ctx, "inner", inner);
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  tree t{sys, root, options()};
  settle();
  send("root", fail_atom::value);
  advance(10s);
  BOOST_CHECK_EQUAL(rec.starts("root"), 1u); // inner still runs: no restart
  send("root.inner", quit_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.inner", node_state::done), 1u);
  advance(500ms);
  BOOST_CHECK_EQUAL(rec.starts("root"), 2u);
  send("root.inner", quit_atom::value); // the new inner ignores stop requests too
  stop(t);
}

BOOST_AUTO_TEST_CASE(cancel_done_sibling) {
  // done starts inner, then healthy + done + returns (DONE). sibling fails:
  // done's context and inner are cancelled; done must restart and re-create
  // inner.
  auto done = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    run(ctx, "inner", becomes_healthy(rec));
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  };
  tree t{sys, group_root({{"done", done}, {"sibling", rc(rec)}}), options()};
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.done", node_state::done), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.done.inner"), 1u);
  send("root.sibling", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.done.inner", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.starts("root.done"), 2u);
  BOOST_CHECK_EQUAL(rec.starts("root.done.inner"), 2u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(resilience) {
  // Misbehaving children never take the tree down; a ping still succeeds.
  std::vector<caf::error> misuse;
  std::optional<context> stale_copy;
  auto two = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    stale_copy.emplace(ctx); // keep a context beyond its incarnation
    return {};               // returns without done: DEAD, restarted later
  };
  auto three = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    misuse.push_back(signal(ctx, signal_type::done)); // done while NEW
    return {[](ping_atom) {}};
  };
  auto five = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    run(ctx, "tree", spawns_more(rec, 2));
    self->delayed_send(self, 100ms, quit_atom::value);
    return {[self](quit_atom) { self->quit(test_failure()); }};
  };
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run_group(ctx, {{"one", becomes_healthy(rec)}, {"oneSibling", rc(rec)}});
    run(ctx, "two", two);
    run(ctx, "three", three);
    run(ctx, "five", five);
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  for (int round = 0; round < 5; ++round) {
    send("root.oneSibling", healthy_atom::value);
    send("root.oneSibling", throw_atom::value);
    advance(1s);
  }
  BOOST_REQUIRE(stale_copy.has_value());
  misuse.push_back(signal(*stale_copy, signal_type::healthy)); // stale context
  BOOST_CHECK(misuse.at(0) == errc::signal_misuse);
  BOOST_CHECK(misuse.back() == errc::stale_context);
  // A final ping to the current incarnation of one succeeds.
  caf::scoped_actor self{sys};
  auto one = rec.actor("root.one");
  bool answered = false;
  self->send(one, ping_atom::value); // the reply comes back as a plain message
  settle();
  self->receive([&](ping_atom) { answered = true; },
                [&](caf::error& err) { BOOST_ERROR("ping failed: " << render(err)); },
                caf::after(0s) >> [] { BOOST_ERROR("no answer to ping"); });
  BOOST_CHECK(answered);
  BOOST_CHECK(rec.starts("root.one") >= 5u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(sub_loggers) {
  std::vector<std::string> lines;
  caf::error run_err, root_err, bad_err;
  auto foo = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    auto dut = sub_logger(ctx, "dut");
    BOOST_REQUIRE(dut);
    dut->info("hello");
    BOOST_CHECK(sub_logger(ctx, "dut")); // twice is fine
    run_err = run(ctx, "dut", becomes_healthy(rec));
    bad_err = sub_logger(ctx, "a.b").error();
    return {[](ping_atom) {}};
  };
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "foo", foo);
    root_err = sub_logger(ctx, "foo").error();
    return {[](ping_atom) {}};
  };
  auto opts = options();
  opts.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  tree t{sys, root, opts};
  settle();
  BOOST_CHECK(std::find(lines.begin(), lines.end(), "root.foo.dut: hello") != lines.end());
  BOOST_CHECK(run_err == errc::duplicate_name);
  BOOST_CHECK(root_err == errc::duplicate_name);
  BOOST_CHECK(bad_err == errc::invalid_name);
  stop(t);
}

BOOST_AUTO_TEST_CASE(metrics) {
  // The state sequence of Monogon's TestMetrics, via the on_state hook.
  auto one = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    run(ctx, "two", rc(rec));
    return {[self](fail_atom) { self->quit(test_failure()); },
            [&ctx](healthy_atom) { signal(ctx, signal_type::healthy); },
            [self, &ctx](done_atom) {
              signal(ctx, signal_type::done);
              self->quit();
            }};
  };
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "one", one);
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  BOOST_CHECK(rec.states_of("root") == std::vector<node_state>{node_state::new_});
  send("root.one", fail_atom::value);
  BOOST_CHECK(rec.states_of("root.one")
              == (std::vector<node_state>{node_state::new_, node_state::dead}));
  BOOST_CHECK(rec.states_of("root.one.two")
              == (std::vector<node_state>{node_state::new_, node_state::canceled}));
  advance(500ms);
  send("root.one", healthy_atom::value);
  send("root.one", done_atom::value);
  BOOST_CHECK(rec.states_of("root.one")
              == (std::vector<node_state>{node_state::new_, node_state::dead, node_state::new_,
                                          node_state::healthy, node_state::done}));
  send("root.one.two", healthy_atom::value);
  BOOST_CHECK_EQUAL(rec.count("root.one.two", node_state::healthy), 1u);
  BOOST_CHECK(rec.states_of("root") == std::vector<node_state>{node_state::new_});
  stop(t);
}

BOOST_AUTO_TEST_SUITE_END()
