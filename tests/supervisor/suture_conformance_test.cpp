// suture conformance, running services: suture v4's tests (the Go library
// whose service rules a supervisor follows) under their snake_case names,
// adapted to C++: a job that ends, the documentation example, restarts and
// the failure backoff, adding while running, nesting supervisors, the
// default logging, termination and do_not_restart through nested
// supervisors, restart storms that never start a service twice, a stop-like
// reason from inside a service. Stopping, removing and misuse are in
// suture_conformance_stop_test.cpp (same suite). Manual clock unless a case
// needs real time; real-time cases wait on recorded events with bounds,
// never on sleeps.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(suture_conformance, manual_supervisor_fixture)

BOOST_FIXTURE_TEST_CASE(complete_job, real_supervisor_fixture) {
  // A job hands out two values, then ends with do_not_restart: it is removed
  // quietly and the consumer stops the supervisor without hanging.
  std::mutex mtx;
  std::vector<int> values;
  supervisor s{sys, "A", quiet_spec()};
  auto job = [&](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    for (int i = 1; i <= 2; ++i) {
      std::lock_guard<std::mutex> guard{mtx};
      values.push_back(i);
    }
    return errc::do_not_restart;
  };
  value_of(s.add("job", job));
  BOOST_REQUIRE(!s.start());
  BOOST_REQUIRE(log.wait("stopped", "A.job"));
  {
    std::lock_guard<std::mutex> guard{mtx};
    BOOST_CHECK(values == (std::vector<int>{1, 2}));
  }
  BOOST_CHECK(log.last("stopped").removed);
  BOOST_CHECK(value_of(s.services()).empty());
  BOOST_CHECK_EQUAL(log.count("failed"), 0u);
  BOOST_REQUIRE(!s.stop());
  auto result = s.wait_for(10s);
  BOOST_REQUIRE(result.has_value());
  BOOST_CHECK(!*result);
}

BOOST_FIXTURE_TEST_CASE(example_new_simple, real_supervisor_fixture) {
  // The documentation example: a counter hands out 0 and 1; on stop it sees
  // its stop request and says so. Output checked line by line.
  std::mutex mtx;
  std::vector<std::string> lines;
  auto sp = quiet_spec();
  sp.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    std::lock_guard<std::mutex> guard{mtx};
    lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  supervisor s{sys, "example", sp};
  auto incrementer = [](context& ctx) -> caf::error {
    auto log = get_logger(ctx);
    signal(ctx, signal_type::healthy);
    for (int i = 0; i < 2; ++i)
      log.info("{}", i);
    ctx.wait_for_stop();
    log.info("Stopping the service");
    return context::canceled();
  };
  value_of(s.add("incrementer", incrementer));
  BOOST_REQUIRE(!s.start());
  BOOST_REQUIRE(rec.wait("example.incrementer", node_state::healthy));
  s.stop();
  BOOST_REQUIRE(!s.wait());
  std::lock_guard<std::mutex> guard{mtx};
  BOOST_CHECK(lines
              == (std::vector<std::string>{"example.incrementer: 0", "example.incrementer: 1",
                                           "example.incrementer: Stopping the service"}));
}

BOOST_AUTO_TEST_CASE(the_happy_case) {
  supervisor s{sys, "A", quiet_spec()};
  BOOST_CHECK_EQUAL(s.name(), "A");
  value_of(s.add("svc", rc(rec, true))); // before start: starts with it
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 0u);
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 1u);
  send("A.svc", quit_atom::value); // a normal return is a failure: restarted
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 2u);
  BOOST_CHECK_EQUAL(log.count("failed", "A.svc"), 1u);
  stop(s);
  BOOST_CHECK(s.stopped());
  BOOST_CHECK_EQUAL(rec.count("A.svc", node_state::canceled), 1u);
  BOOST_CHECK(!s.wait());
}

BOOST_AUTO_TEST_CASE(adding_to_running_supervisor) {
  supervisor s{sys, "A", quiet_spec()};
  BOOST_REQUIRE(!s.start());
  settle();
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 1u);
  auto list = value_of(s.services());
  BOOST_REQUIRE_EQUAL(list.size(), 1u);
  BOOST_CHECK(list[0].token == token);
  BOOST_CHECK_EQUAL(list[0].name, "svc");
  BOOST_CHECK_EQUAL(list[0].dn, "A.svc");
  BOOST_CHECK(list[0].state == node_state::healthy);
  stop(s);
}

BOOST_AUTO_TEST_CASE(failures) {
  // suture's TestFailures on the manual clock: threshold 3.5, decay 30 s.
  auto sp = quiet_spec();
  sp.failure_threshold = 3.5;
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec, true)));
  value_of(s.add("two", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_CHECK_EQUAL(log.last("failed").failures, 1.0);
  BOOST_CHECK(log.last("failed").restarting);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 2u);
  send("A.one", fail_atom::value); // same instant: 2
  BOOST_CHECK_EQUAL(log.last("failed").failures, 2.0);
  advance(30s); // one half-life: 2 halves to 1, plus 1
  send("A.one", fail_atom::value);
  BOOST_CHECK_CLOSE(log.last("failed").failures, 2.0, 1e-9);
  send("A.one", throw_atom::value); // an exception counts too: 3
  auto thrown = log.last("failed");
  BOOST_CHECK_CLOSE(thrown.failures, 3.0, 1e-9);
  BOOST_CHECK(thrown.restarting);
  BOOST_CHECK(thrown.reason == errc::runnable_threw);
  BOOST_CHECK_EQUAL(detail_of(thrown.reason), "boom");
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 5u);
  log.clear();
  send("A.one", fail_atom::value); // 4 > 3.5: backoff, then the failure
  BOOST_CHECK(log.suture_types() == (std::vector<std::string>{"backoff", "failed"}));
  BOOST_CHECK(!log.last("failed").restarting);
  advance(10ms);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 5u);   // held back
  BOOST_CHECK_EQUAL(rec.starts("A.two"), 1u);   // the other one keeps working
  BOOST_CHECK_EQUAL(log.count("stopped", "A.two"), 0u);
  advance(15s - 10ms); // the pause (jitter off) ends
  BOOST_CHECK_EQUAL(log.count("resume"), 1u);
  BOOST_CHECK_EQUAL(log.last("resume").failures, 0.0);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 6u);
  send("A.one", fail_atom::value); // counter was reset: 1, restarted at once
  BOOST_CHECK_EQUAL(log.last("failed").failures, 1.0);
  BOOST_CHECK(log.last("failed").restarting);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 7u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(running_already_running) {
  supervisor s{sys, "A", quiet_spec()};
  BOOST_REQUIRE(!s.start());
  BOOST_CHECK(s.start() == errc::already_started);
  settle();
  // Hosting it while it runs standalone fails that run, clearly.
  tree t{sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "A", s.as_runnable());
           return {[](ping_atom) {}};
         },
         options()};
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.A", node_state::dead), 1u);
  t.stop();
  settle();
  stop(s);
}

BOOST_AUTO_TEST_CASE(full_construction) {
  spec sp;
  int calls = 0;
  sp.on_event = [&](const event&) { ++calls; };
  sp.failure_decay = 1s;
  sp.failure_threshold = 2;
  sp.failure_backoff = 3ns;
  sp.stop_timeout = 29s;
  sp.backoff_jitter = 0;
  sp.dont_propagate_termination = true;
  supervisor s{sys, "Name", sp};
  BOOST_CHECK_EQUAL(s.name(), "Name");
  BOOST_CHECK(s.config().failure_decay == 1s);
  BOOST_CHECK_EQUAL(s.config().failure_threshold, 2.0);
  BOOST_CHECK(s.config().failure_backoff == 3ns);
  BOOST_CHECK(s.config().stop_timeout == 29s);
  BOOST_CHECK_EQUAL(s.config().backoff_jitter, 0.0);
  BOOST_CHECK(s.config().dont_propagate_termination);
  BOOST_REQUIRE(s.config().on_event);
  s.config().on_event(backoff_resumed{});
  BOOST_CHECK_EQUAL(calls, 1);
  // An explicit zero is honoured, not replaced by a default.
  spec zero;
  zero.failure_backoff = 0s;
  zero.stop_timeout = 0s;
  supervisor z{sys, "Z", zero};
  BOOST_CHECK(z.config().failure_backoff == 0s);
  BOOST_CHECK(z.config().stop_timeout == 0s);
}

BOOST_AUTO_TEST_CASE(default_logging) {
  // No hook: failures, backoff and resume are logged through the loggers.
  std::vector<std::string> lines;
  spec sp;
  sp.sink = [&](log_level lvl, std::string_view dn, std::string_view msg) {
    lines.push_back(std::string{to_string(lvl)} + " " + std::string{dn} + ": "
                    + std::string{msg});
  };
  sp.failure_threshold = 0.5;
  sp.failure_backoff = 1s;
  sp.backoff_jitter = 0;
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_CHECK(lines.empty()); // a start is not logged by default
  send("A.one", fail_atom::value);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_CHECK_EQUAL(lines[0],
                    "WARN A: entering backoff for 1000.0 ms (1.00 failures of 0.50, restarts "
                    "paused)");
  BOOST_CHECK_EQUAL(lines[1], "ERROR A: child A.one failed (1.00 failures of 0.50, restart held "
                              "by backoff): system::runtime_error");
  advance(1s);
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  BOOST_CHECK_EQUAL(lines[2], "INFO A: exiting backoff");
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 2u);
  // Formatting events built by hand does not crash.
  stop_timed_out st;
  st.supervisor = "A";
  st.child = "A.x";
  st.timeout = 10s;
  BOOST_CHECK_EQUAL(fmt::format("{}", st), "A: child A.x failed to stop within 10000.0 ms");
  child_failed cf;
  BOOST_CHECK_EQUAL(fmt::format("{}", cf), "child  failed (not restarted): none");
  cf.held_by_backoff = true;
  BOOST_CHECK_EQUAL(fmt::format("{}", cf), "child  failed (restart held by backoff): none");
  stop(s);
}

BOOST_AUTO_TEST_CASE(nested_supervisors) {
  // A nested supervisor without a hook of its own reports to its parent's
  // hook (suture overwrites the child's hook; we keep one the child set).
  supervisor parent{sys, "P", quiet_spec()};
  auto child_spec = quiet_spec();
  child_spec.on_event = nullptr; // inherit
  supervisor child{sys, "C", child_spec};
  value_of(child.add("svc", rc(rec)));
  value_of(parent.add(child));
  event_log own;
  auto other_spec = quiet_spec();
  other_spec.on_event = own.hook();
  supervisor other{sys, "O", other_spec};
  value_of(other.add("svc", rc(rec)));
  value_of(parent.add(other));
  BOOST_REQUIRE(!parent.start());
  settle();
  BOOST_CHECK_EQUAL(rec.starts("P.C.svc"), 1u); // started with the top one
  BOOST_CHECK_EQUAL(rec.starts("P.O.svc"), 1u);
  send("P.C.svc", fail_atom::value);
  BOOST_CHECK_EQUAL(log.count("failed", "P.C.svc"), 1u);
  BOOST_CHECK_EQUAL(log.last("failed").supervisor, "P.C");
  send("P.O.svc", fail_atom::value);
  BOOST_CHECK_EQUAL(log.count("failed", "P.O.svc"), 0u);
  BOOST_CHECK_EQUAL(own.count("failed", "P.O.svc"), 1u);
  stop(parent);
}

BOOST_FIXTURE_TEST_CASE(issue11, real_supervisor_fixture) {
  // Adding a child supervisor to a running parent, then a service to the
  // child: no race (meaningful under TSan), and the service runs.
  supervisor parent{sys, "P", quiet_spec()};
  BOOST_REQUIRE(!parent.start());
  supervisor child{sys, "C", quiet_spec()};
  value_of(parent.add(child));
  value_of(child.add("svc", becomes_healthy(rec)));
  BOOST_CHECK(rec.wait("P.C.svc", node_state::healthy));
  parent.stop();
  BOOST_CHECK(!parent.wait());
}

BOOST_AUTO_TEST_CASE(supervisor_management_issue35) {
  // 99 never-started child supervisors; the parent starts and stops at once.
  supervisor parent{sys, "P", quiet_spec()};
  std::vector<std::unique_ptr<supervisor>> children;
  for (int i = 0; i < 99; ++i) {
    children.emplace_back(std::make_unique<supervisor>(sys, "c" + std::to_string(i), quiet_spec()));
    value_of(parent.add(*children.back()));
  }
  BOOST_REQUIRE(!parent.start());
  BOOST_REQUIRE(!parent.stop());
  settle();
  BOOST_REQUIRE(parent.stopped());
  BOOST_CHECK(!parent.wait());
  // Children start one at a time: the stop came first for most; every child
  // that did start was stopped again.
  BOOST_CHECK_EQUAL(rec.count("P.c0", node_state::canceled), 1u);
  for (int i = 0; i < 99; ++i) {
    auto dn = "P.c" + std::to_string(i);
    BOOST_CHECK_EQUAL(rec.count(dn, node_state::new_), rec.count(dn, node_state::canceled));
  }
}

BOOST_AUTO_TEST_CASE(coverage) {
  // A spec with only a hook works; jitter 0 is suture's NoJitter.
  spec sp;
  sp.on_event = log.hook();
  sp.sink = [](log_level, std::string_view, std::string_view) {};
  sp.failure_threshold = 0.5;
  sp.failure_backoff = 2s;
  sp.backoff_jitter = 0;
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_CHECK(log.last("backoff").delay == 2s);
  stop(s);
}

BOOST_AUTO_TEST_CASE(service_and_tree_termination) {
  supervisor s1{sys, "s1", quiet_spec()};
  supervisor s2{sys, "s2", quiet_spec()};
  value_of(s2.add("svc1", rc(rec)));
  value_of(s2.add("svc2", becomes_healthy(rec)));
  value_of(s2.add("svc3", rc(rec)));
  value_of(s1.add(s2));
  BOOST_REQUIRE(!s1.start());
  settle();
  send("s1.s2.svc3", dnr_atom::value); // removed quietly, never restarted
  advance(1s);
  BOOST_CHECK_EQUAL(rec.starts("s1.s2.svc3"), 1u);
  BOOST_CHECK_EQUAL(log.count("failed"), 0u);
  send("s1.s2.svc1", term_atom::value); // s2 stops, then s1
  BOOST_REQUIRE(s1.stopped());
  BOOST_CHECK(s1.wait() == errc::terminate_tree);
  BOOST_CHECK_EQUAL(rec.count("s1.s2.svc2", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.count("s1.s2", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_CASE(do_not_propagate) {
  supervisor parent{sys, "P", quiet_spec()};
  auto child_spec = quiet_spec();
  child_spec.dont_propagate_termination = true;
  supervisor child{sys, "C", child_spec};
  value_of(child.add("service2", rc(rec)));
  value_of(parent.add(child));
  value_of(parent.add("service1", becomes_healthy(rec)));
  BOOST_REQUIRE(!parent.start());
  settle();
  send("P.C.service2", term_atom::value);
  BOOST_CHECK(!parent.stopped());                                     // parent: normal
  BOOST_CHECK_EQUAL(rec.count("P.service1", node_state::canceled), 0u); // still running
  BOOST_CHECK_EQUAL(rec.starts("P.service1"), 1u);
  BOOST_CHECK_EQUAL(rec.starts("P.C.service2"), 1u); // not running, not restarted
  BOOST_CHECK_EQUAL(rec.count("P.C", node_state::done), 1u); // child: terminated
  auto list = value_of(parent.services());
  BOOST_REQUIRE_EQUAL(list.size(), 1u);
  BOOST_CHECK_EQUAL(list[0].name, "service1");
  stop(parent);
}

BOOST_FIXTURE_TEST_CASE(shim, real_supervisor_fixture) {
  // suture's AsService wraps a Serve()/Stop() service. Our blocking runnable
  // is that shape: returning on its own is restarted (twice here), and a
  // stop reaches it through its context.
  std::atomic<int> runs{0};
  std::atomic<bool> stop_seen{false};
  auto old_style = [&](context& ctx) -> caf::error {
    if (++runs < 3)
      return {}; // the old Serve() returned: a failure, restarted
    signal(ctx, signal_type::healthy);
    ctx.wait_for_stop();
    stop_seen = true;
    return context::canceled();
  };
  supervisor s{sys, "A", quiet_spec()};
  value_of(s.add("old", old_style));
  BOOST_REQUIRE(!s.start());
  BOOST_REQUIRE(rec.wait("A.old", node_state::healthy));
  BOOST_CHECK_EQUAL(runs.load(), 3);
  BOOST_CHECK_EQUAL(log.count("failed", "A.old"), 2u);
  s.stop();
  BOOST_CHECK(!s.wait());
  BOOST_CHECK(stop_seen.load());
}

BOOST_AUTO_TEST_CASE(ever_multistarted) {
  // suture only demonstrates its double-start detector; we assert it: over a
  // storm of restarts, never two incarnations of one service are alive.
  int alive = 0;
  int most = 0;
  auto counted = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    most = std::max(most, ++alive);
    self->attach_functor([&] { --alive; });
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  auto sp = quiet_spec();
  sp.failure_threshold = std::numeric_limits<double>::infinity();
  supervisor s{sys, "A", sp};
  value_of(s.add("svc", counted));
  BOOST_REQUIRE(!s.start());
  settle();
  for (int i = 0; i < 200; ++i) {
    caf::anon_send(rec.actor("A.svc"), fail_atom::value);
    caf::anon_send(rec.actor("A.svc"), fail_atom::value); // a late duplicate
    settle();
  }
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 201u);
  BOOST_CHECK_EQUAL(most, 1);
  stop(s);
  BOOST_CHECK_EQUAL(alive, 0);
}

BOOST_AUTO_TEST_CASE(issue77) {
  // A stop-like reason from an inner operation, while the service was not
  // asked to stop, is a failure like any other: restarted.
  auto inner_cancel = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    return {[self](fail_atom) { self->quit(caf::exit_reason::user_shutdown); }};
  };
  supervisor s{sys, "A", quiet_spec()};
  value_of(s.add("svc", inner_cancel));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.svc", fail_atom::value);
  BOOST_CHECK_EQUAL(log.count("failed", "A.svc"), 1u);
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 2u);
  stop(s);
}

BOOST_AUTO_TEST_SUITE_END()
