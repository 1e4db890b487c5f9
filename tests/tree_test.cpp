// Tree behaviour: every test of Monogon's supervisor_test.go (spec §13) under
// its snake_case name, plus our decisions (special outcomes, exceptions,
// names, stale contexts, blocking runnables). Manual-clock tests drive CAF's
// test_coordinator; real-time tests wait on recorded events with bounds.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <thread>

#include <pthread.h>

#include "supervise/tree.hpp"
#include "blocking_threads.hpp"
#include "tree_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

// The root of most tests: start `children` as one group, then healthy, done.
runnable group_root(child_list children) {
  return [children](caf::event_based_actor*, context& ctx) -> caf::behavior {
    auto err = run_group(ctx, children);
    BOOST_REQUIRE(!err);
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {}; // return now: the root ends DONE, its children keep running
  };
}

} // namespace

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
    advance(delays[i] - 1ms);
    BOOST_CHECK_EQUAL(rec.starts("root.one"), i + 1);
    advance(1ms);
    BOOST_CHECK_EQUAL(rec.starts("root.one"), i + 2);
  }
  // The 5th death waits at least 1 s (here 2531 ms).
  send("root.one", fail_atom::value);
  advance(1s);
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 5u);
  advance(1532ms); // 2531.25 ms in all
  BOOST_CHECK_EQUAL(rec.starts("root.one"), 6u);
  // Healthy resets the backoff: the next death restarts after 500 ms.
  send("root.one", healthy_atom::value);
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

BOOST_FIXTURE_TEST_SUITE(api_misuse, manual_fixture)

BOOST_AUTO_TEST_CASE(names_are_validated_and_unique) {
  std::vector<caf::error> errs;
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    errs.push_back(run(ctx, "a.b", becomes_healthy(rec)));
    errs.push_back(run(ctx, "", becomes_healthy(rec)));
    errs.push_back(run(ctx, std::string(65, 'x'), becomes_healthy(rec)));
    errs.push_back(run(ctx, "sp ace", becomes_healthy(rec)));
    errs.push_back(run(ctx, "Good_name-1", becomes_healthy(rec)));
    errs.push_back(run(ctx, "Good_name-1", becomes_healthy(rec)));
    errs.push_back(run_group(ctx, {{"x", becomes_healthy(rec)}, {"x", becomes_healthy(rec)}}));
    errs.push_back(run_group(ctx, {{"y", becomes_healthy(rec)}, {"bad!", becomes_healthy(rec)}}));
    errs.push_back(run(ctx, "empty", runnable{}));
    errs.push_back(run(ctx, std::string(64, 'x'), becomes_healthy(rec)));
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  BOOST_REQUIRE_EQUAL(errs.size(), 10u);
  BOOST_CHECK(errs[0] == errc::invalid_name);
  BOOST_CHECK_EQUAL(detail_of(errs[0]), "a.b");
  BOOST_CHECK(errs[1] == errc::invalid_name);
  BOOST_CHECK(errs[2] == errc::invalid_name);
  BOOST_CHECK(errs[3] == errc::invalid_name);
  BOOST_CHECK(!errs[4]);
  BOOST_CHECK(errs[5] == errc::duplicate_name);
  BOOST_CHECK_EQUAL(detail_of(errs[5]), "root.Good_name-1");
  BOOST_CHECK(errs[6] == errc::duplicate_name);
  BOOST_CHECK(errs[7] == errc::invalid_name);
  BOOST_CHECK_EQUAL(detail_of(errs[7]), "bad!");
  BOOST_CHECK(errs[8] == errc::empty_runnable);
  BOOST_CHECK(!errs[9]);
  // Nothing of a rejected group was created.
  BOOST_CHECK_EQUAL(rec.starts("root.y"), 0u);
  BOOST_CHECK_EQUAL(rec.starts("root.Good_name-1"), 1u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(run_after_healthy_is_rejected) {
  caf::error err;
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    signal(ctx, signal_type::healthy);
    err = run(ctx, "late", becomes_healthy(rec));
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  BOOST_CHECK(err == errc::not_new);
  BOOST_CHECK_EQUAL(detail_of(err), "root");
  stop(t);
}

BOOST_AUTO_TEST_CASE(signal_misuse_is_an_error_not_a_crash) {
  std::vector<caf::error> errs;
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    errs.push_back(signal(ctx, signal_type::done));    // before healthy
    errs.push_back(signal(ctx, signal_type::healthy)); // ok
    errs.push_back(signal(ctx, signal_type::healthy)); // twice
    errs.push_back(signal(ctx, signal_type::done));    // ok
    errs.push_back(signal(ctx, signal_type::done));    // twice
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  BOOST_REQUIRE_EQUAL(errs.size(), 5u);
  BOOST_CHECK(errs[0] == errc::signal_misuse);
  BOOST_CHECK(!errs[1]);
  BOOST_CHECK(errs[2] == errc::signal_misuse);
  BOOST_CHECK(!errs[3]);
  BOOST_CHECK(errs[4] == errc::signal_misuse);
  stop(t);
}

BOOST_AUTO_TEST_CASE(stale_context_never_reaches_the_next_incarnation) {
  std::optional<context> first;
  auto child = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    if (!first)
      first.emplace(ctx);
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  tree t{sys, group_root({{"c", child}}), options()};
  settle();
  send("root.c", fail_atom::value);
  advance(500ms);
  BOOST_REQUIRE_EQUAL(rec.starts("root.c"), 2u);
  BOOST_CHECK(signal(*first, signal_type::healthy) == errc::stale_context);
  BOOST_CHECK(run(*first, "x", becomes_healthy(rec)) == errc::stale_context);
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.c", node_state::healthy), 0u);
  BOOST_CHECK_EQUAL(rec.starts("root.c.x"), 0u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(invalid_tree_arguments_throw) {
  BOOST_CHECK_THROW((tree{sys, runnable{}, options()}), std::invalid_argument);
  auto opts = options();
  opts.backoff.multiplier = -1;
  BOOST_CHECK_THROW((tree{sys, becomes_healthy(rec), opts}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(blocking_runnables, real_fixture)

BOOST_AUTO_TEST_CASE(blocking_child_is_cancelled_with_its_group) {
  auto worker = [&](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    ctx.wait_for_stop();
    return context::canceled();
  };
  tree t{sys, group_root({{"worker", worker}, {"two", rc(rec)}}), options()};
  BOOST_REQUIRE(rec.wait("root.worker", node_state::healthy));
  BOOST_REQUIRE(rec.wait_starts("root.two", 1));
  caf::anon_send(rec.actor("root.two"), fail_atom::value);
  BOOST_CHECK(rec.wait("root.worker", node_state::canceled));
  BOOST_CHECK(rec.wait("root.worker", node_state::healthy, 2));
  t.stop();
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_CASE(blocking_failure_and_exception) {
  std::atomic<int> runs{0};
  auto worker = [&](context&) -> caf::error {
    if (++runs == 1)
      return caf::sec::runtime_error;
    throw std::runtime_error("thrown");
  };
  auto opts = options();
  opts.backoff.initial = 1ms;
  opts.backoff.max_interval = 1ms;
  std::mutex mtx;
  std::vector<std::string> lines;
  opts.sink = [&](log_level lvl, std::string_view, std::string_view msg) {
    std::lock_guard<std::mutex> guard{mtx};
    if (lvl == log_level::error)
      lines.emplace_back(msg);
  };
  tree t{sys, group_root({{"w", worker}}), opts};
  BOOST_REQUIRE(rec.wait("root.w", node_state::dead, 2));
  t.stop();
  t.wait();
  std::lock_guard<std::mutex> guard{mtx};
  BOOST_REQUIRE(lines.size() >= 2u);
  BOOST_CHECK(lines[1].find("runnable_threw(\"thrown\")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(blocking_restart_reuses_a_parked_thread) {
  // A restart must not pay for a thread start: the ended incarnation's thread
  // runs the next one (at most one new thread for the whole run).
  auto before = test::blocking_threads();
  std::mutex mtx;
  std::vector<std::string> names;
  std::atomic<int> runs{0};
  auto worker = [&](context& ctx) -> caf::error {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    {
      std::lock_guard<std::mutex> guard{mtx};
      names.emplace_back(name);
    }
    if (++runs < 6)
      return caf::sec::runtime_error;
    signal(ctx, signal_type::healthy);
    ctx.wait_for_stop();
    return context::canceled();
  };
  auto opts = options();
  opts.backoff.initial = 0ms;
  tree t{sys, group_root({{"w", worker}}), opts};
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy));
  BOOST_CHECK_LE(test::blocking_threads(), before + 1);
  t.stop();
  BOOST_CHECK(!t.wait());
  std::lock_guard<std::mutex> guard{mtx};
  BOOST_CHECK_EQUAL(names.size(), 6u);
  for (auto& name : names)
    BOOST_CHECK_EQUAL(name, "sv.blocking");
}

BOOST_AUTO_TEST_CASE(blocking_done_ends_done) {
  auto worker = [&](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  };
  tree t{sys, group_root({{"w", worker}}), options()};
  BOOST_CHECK(rec.wait("root.w", node_state::done));
  t.stop();
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(rec.count("root.w", node_state::dead), 0u);
}

BOOST_AUTO_TEST_CASE(stop_returns_on_time_and_reports_a_hung_blocking_child) {
  std::promise<void> release;
  auto released = release.get_future().share();
  auto hung = [&, released](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    released.wait(); // ignores its stop request until the test lets go
    return context::canceled();
  };
  auto opts = options();
  opts.stop_timeout = 100ms;
  tree t{sys, group_root({{"hung", hung}, {"fine", becomes_healthy(rec)}}), opts};
  BOOST_REQUIRE(rec.wait("root.hung", node_state::healthy));
  auto before = std::chrono::steady_clock::now();
  t.stop();
  auto result = t.wait_for(10s);
  auto took = std::chrono::steady_clock::now() - before;
  BOOST_REQUIRE(result.has_value());
  BOOST_CHECK(took < 100ms + 900ms); // generous bound over the 100 ms timeout
  BOOST_CHECK(t.unstopped() == std::vector<std::string>{"root.hung"});
  release.set_value(); // let the thread end so the actor system can shut down
}

BOOST_AUTO_TEST_CASE(wait_for_stop_returns_early_on_stop) {
  auto worker = [&](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    while (!ctx.wait_for_stop(1h)) {
    }
    return context::canceled();
  };
  tree t{sys, group_root({{"w", worker}}), options()};
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy));
  auto before = std::chrono::steady_clock::now();
  t.stop();
  auto result = t.wait_for(10s);
  BOOST_REQUIRE(result.has_value());
  BOOST_CHECK(!*result);
  BOOST_CHECK(std::chrono::steady_clock::now() - before < 5s);
}

BOOST_AUTO_TEST_SUITE_END()
