// Supervisor behaviour: every test of suture v4 (suture-v4.md §4, the 29 and
// the 12 extra cases) under its snake_case name, adapted to C++ (a nil
// receiver's panic becomes the misuse error our API returns), then our own
// cases: nesting with trees, hooks calling back, the recursive report.
// Manual-clock tests drive CAF's test_coordinator; real-time tests wait on
// recorded events with generous bounds, never on sleeps.
#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <atomic>
#include <cmath>
#include <future>
#include <limits>
#include <set>
#include <thread>

#include "supervise/errc.hpp"
#include "detail/failure_counter.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

// An event-based service that ignores stop requests (only kill ends it).
runnable stubborn(recorder& rec) {
  return [&rec](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    self->set_exit_handler([](caf::exit_msg&) {});
    return {[](ping_atom) {}};
  };
}

} // namespace

// -- suture's 29 tests ------------------------------------------------------------

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

BOOST_AUTO_TEST_CASE(stopping_supervisor_stops_services) {
  supervisor s{sys, "A", quiet_spec()};
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  stop(s);
  BOOST_CHECK_EQUAL(rec.count("A.svc", node_state::canceled), 1u);
  // Control calls on a stopped supervisor: a clear error, at once.
  BOOST_CHECK(s.services().error() == errc::not_running);
  BOOST_CHECK(s.remove(token) == errc::not_running);
  BOOST_CHECK(s.add("x", becomes_healthy(rec)).error() == errc::not_running);
  BOOST_CHECK(s.stop() == errc::not_running);
  BOOST_CHECK(s.start() == errc::not_running);
}

BOOST_AUTO_TEST_CASE(stopping_still_works_with_hung_services) {
  auto sp = quiet_spec();
  sp.stop_timeout = 2s;
  supervisor s{sys, "A", sp};
  value_of(s.add("s", stubborn(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  stop(s);
  BOOST_CHECK(!s.stopped());
  advance(1999ms);
  BOOST_CHECK(!s.stopped());
  BOOST_CHECK_EQUAL(log.count("stop_timeout"), 0u);
  advance(1ms);
  BOOST_CHECK_EQUAL(log.count("stop_timeout", "A.s"), 1u);
  BOOST_CHECK(s.stopped()); // killed: an event-based child cannot hang us
  BOOST_CHECK(value_of(s.unstopped_report()).empty());
}

BOOST_AUTO_TEST_CASE(removing_hung_service) {
  auto sp = quiet_spec();
  sp.stop_timeout = 1s;
  supervisor s{sys, "A", sp};
  auto token = value_of(s.add("s", stubborn(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_REQUIRE(!s.remove(token));
  BOOST_CHECK(value_of(s.services()).empty()); // gone from the list at once
  settle();
  BOOST_CHECK_EQUAL(log.count("stop_timeout"), 0u);
  advance(1s);
  BOOST_CHECK_EQUAL(log.count("stop_timeout", "A.s"), 1u);
  BOOST_CHECK_EQUAL(log.count("stopped", "A.s"), 1u); // then killed, removed
  BOOST_CHECK(log.last("stopped").removed);
  BOOST_CHECK_EQUAL(log.count("failed"), 0u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(remove_service) {
  supervisor s{sys, "A", quiet_spec()};
  supervisor other{sys, "B", quiet_spec()};
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  auto foreign = value_of(other.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_CHECK(!s.remove(token));
  settle();
  BOOST_CHECK_EQUAL(rec.count("A.svc", node_state::canceled), 1u); // asked to stop
  BOOST_CHECK(log.last("stopped").removed);
  BOOST_CHECK(s.remove(foreign) == errc::wrong_supervisor);
  BOOST_CHECK(s.remove_and_wait(foreign, 1s) == errc::wrong_supervisor);
  BOOST_CHECK(s.remove(service_token{}) == errc::wrong_supervisor);
  stop(s);
}

BOOST_FIXTURE_TEST_CASE(service_report, real_supervisor_fixture) {
  std::promise<void> release;
  auto sp = quiet_spec();
  sp.stop_timeout = 1ms;
  supervisor s{sys, "A", sp};
  auto token = value_of(s.add("hung", hung_blocking(rec, release.get_future().share())));
  BOOST_REQUIRE(!s.start());
  BOOST_REQUIRE(rec.wait("A.hung", node_state::healthy));
  s.stop();
  BOOST_CHECK(!s.wait());
  auto report = value_of(s.unstopped_report());
  BOOST_REQUIRE_EQUAL(report.size(), 1u);
  BOOST_CHECK_EQUAL(report[0].dn, "A.hung");
  BOOST_CHECK_EQUAL(report[0].supervisor, "A");
  BOOST_CHECK(report[0].token == token);
  release.set_value();
}

BOOST_AUTO_TEST_CASE(failure_to_construct) {
  // Go panics on a nil or zero-value supervisor; in C++ the constructor is
  // the only way in, and it rejects bad input naming it.
  try {
    supervisor s{sys, "a.b"};
    BOOST_ERROR("an invalid name was accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_CHECK(std::string{e.what()}.find("\"a.b\"") != std::string::npos);
  }
  spec sp;
  sp.failure_threshold = std::nan("");
  try {
    supervisor s{sys, "A", sp};
    BOOST_ERROR("a NaN threshold was accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_CHECK(std::string{e.what()}.find("failure_threshold = nan") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(nil_supervisor_add) {
  supervisor s{sys, "A", quiet_spec()};
  BOOST_CHECK(s.add("", becomes_healthy(rec)).error() == errc::invalid_name);
  BOOST_CHECK(s.add("x", runnable{}).error() == errc::empty_runnable);
  BOOST_CHECK(s.add("x", runnable::blocking(nullptr)).error() == errc::empty_runnable);
  value_of(s.add("x", becomes_healthy(rec)));
  auto dup = s.add("x", becomes_healthy(rec));
  BOOST_CHECK(dup.error() == errc::duplicate_name);
  BOOST_CHECK_EQUAL(detail_of(dup.error()), "A.x");
}

BOOST_AUTO_TEST_CASE(pass_no_context_to_supervisor) {
  // suture's Serve(nil): here, start() with a plain spec (only a quiet sink).
  spec sp;
  sp.sink = [](log_level, std::string_view, std::string_view) {};
  supervisor s{sys, "A", sp};
  value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 1u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(nil_supervisor_panics_as_expected) {
  // Misuse before start: each call returns at once with an error naming the
  // supervisor (suture panics or blocks forever).
  supervisor s{sys, "A", quiet_spec()};
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_CHECK(s.stop() == errc::not_started);
  BOOST_CHECK_EQUAL(detail_of(s.stop()), "A");
  BOOST_CHECK(s.wait() == errc::not_started);
  BOOST_CHECK(s.unstopped_report().error() == errc::not_started);
  BOOST_CHECK(s.services().error() == errc::not_started);
  BOOST_CHECK(s.remove(token) == errc::not_started);
  BOOST_CHECK(!s.actor());
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

BOOST_FIXTURE_TEST_CASE(remove_and_wait, real_supervisor_fixture) {
  std::promise<void> release_hung, release_slow;
  auto sp = quiet_spec();
  sp.stop_timeout = 1ms;
  supervisor s{sys, "A", sp};
  auto prompt = value_of(s.add("prompt", becomes_healthy(rec)));
  auto hung = value_of(s.add("hung", hung_blocking(rec, release_hung.get_future().share())));
  auto slow = value_of(s.add("slow", hung_blocking(rec, release_slow.get_future().share())));
  auto later = value_of(s.add("later", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  BOOST_REQUIRE(rec.wait("A.slow", node_state::healthy));
  BOOST_REQUIRE(rec.wait("A.hung", node_state::healthy));
  // A prompt stop: none. Again: the token is no longer known (our decision).
  BOOST_CHECK(!s.remove_and_wait(prompt, 0ns));
  BOOST_CHECK(s.remove_and_wait(prompt, 0ns) == errc::unknown_token);
  // A hung service and a 1 ms wait: timeout.
  BOOST_CHECK(s.remove_and_wait(hung, 1ms) == errc::timeout);
  // spec.stop_timeout (1 ms) passes, yet a service that does stop later still
  // makes remove_and_wait(…, no limit) return none (suture #28).
  auto waiter = std::async(std::launch::async, [&] { return s.remove_and_wait(slow, 0ns); });
  BOOST_REQUIRE(log.wait("stop_timeout", "A.slow"));
  release_slow.set_value();
  BOOST_REQUIRE(waiter.wait_for(10s) == std::future_status::ready);
  BOOST_CHECK(!waiter.get());
  s.stop();
  s.wait();
  BOOST_CHECK(s.remove_and_wait(later, 0ns) == errc::not_running);
  release_hung.set_value();
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

BOOST_FIXTURE_TEST_CASE(stop_after_remove_and_wait, real_supervisor_fixture) {
  supervisor s{sys, "A", quiet_spec()}; // spec.stop_timeout: 10 s
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  BOOST_REQUIRE(rec.wait("A.svc", node_state::healthy));
  BOOST_REQUIRE(!s.remove_and_wait(token, 0ns));
  auto before = std::chrono::steady_clock::now();
  s.stop();
  BOOST_CHECK(!s.wait());
  BOOST_CHECK(std::chrono::steady_clock::now() - before < 5s); // no false timeout wait
  BOOST_CHECK_EQUAL(log.count("stop_timeout"), 0u);
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

BOOST_FIXTURE_TEST_CASE(add_after_stopping, real_supervisor_fixture) {
  supervisor s{sys, "A", quiet_spec()};
  BOOST_REQUIRE(!s.start());
  s.stop();
  BOOST_REQUIRE(!s.wait());
  auto before = std::chrono::steady_clock::now();
  auto token = s.add("late", becomes_healthy(rec));
  BOOST_CHECK(std::chrono::steady_clock::now() - before < 5s); // no deadlock (#41)
  BOOST_CHECK(!token);
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

// -- suture's 12 extra cases ---------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(suture_extra, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(nil_return_counts_as_failure) {
  supervisor s{sys, "A", quiet_spec()};
  value_of(s.add("svc", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.svc", quit_atom::value); // normal return, no done
  auto failed = log.last("failed");
  BOOST_CHECK_EQUAL(failed.child, "A.svc");
  BOOST_CHECK(failed.reason == errc::returned_without_done);
  BOOST_CHECK_EQUAL(failed.failures, 1.0);
  // ...unless it signalled done: then it ends DONE and is not restarted.
  send("A.svc", healthy_atom::value);
  send("A.svc", done_atom::value);
  BOOST_CHECK_EQUAL(log.count("failed"), 1u);
  BOOST_CHECK_EQUAL(rec.count("A.svc", node_state::done), 1u);
  advance(1min);
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 2u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(default_spec_burst_gives_six_starts_then_backoff) {
  spec sp; // the true defaults: threshold 5, decay 30 s, backoff 15 s
  sp.on_event = log.hook();
  sp.on_state = rec.hook();
  supervisor s{sys, "A", sp};
  value_of(s.add("svc", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  for (int i = 0; i < 6; ++i)
    send("A.svc", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 6u); // start + 5 immediate restarts
  BOOST_CHECK_EQUAL(log.count("backoff"), 1u);
  BOOST_CHECK(log.suture_types()
              == (std::vector<std::string>{"failed", "failed", "failed", "failed", "failed",
                                           "backoff", "failed"}));
  advance(10s);
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 6u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(failure_during_backoff_rearms_timer) {
  auto sp = quiet_spec();
  sp.failure_threshold = 0.5;
  sp.failure_backoff = 300ms;
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  value_of(s.add("two", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value); // pause until 300 ms
  advance(200ms);
  send("A.two", fail_atom::value); // re-armed: pause until 500 ms
  BOOST_CHECK_EQUAL(log.count("backoff"), 2u);
  advance(299ms);
  BOOST_CHECK_EQUAL(log.count("resume"), 0u);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 1u);
  advance(1ms);
  BOOST_CHECK_EQUAL(log.count("resume"), 1u);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 2u); // queue order: one, then two
  BOOST_CHECK_EQUAL(rec.starts("A.two"), 2u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(add_during_backoff_starts_at_once) {
  auto sp = quiet_spec();
  sp.failure_threshold = 0.5;
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_REQUIRE_EQUAL(log.count("backoff"), 1u);
  value_of(s.add("fresh", becomes_healthy(rec)));
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.fresh"), 1u);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 1u); // still held back
  stop(s);
}

BOOST_AUTO_TEST_CASE(remove_before_start_returns_not_started) {
  supervisor s{sys, "A", quiet_spec()};
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_CHECK(s.remove(token) == errc::not_started);
  BOOST_CHECK(s.remove_and_wait(token, 1s) == errc::not_started);
  BOOST_REQUIRE(!s.start()); // kept registered (suture's behaviour)
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 1u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(add_after_stop_is_an_error_not_a_zero_token) {
  supervisor s{sys, "A", quiet_spec()};
  BOOST_REQUIRE(!s.start());
  stop(s);
  auto token = s.add("late", becomes_healthy(rec));
  BOOST_REQUIRE(!token);
  BOOST_CHECK(token.error() == errc::not_running);
  BOOST_CHECK_EQUAL(detail_of(token.error()), "A");
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.late"), 0u);
}

BOOST_AUTO_TEST_CASE(terminate_reason_reaches_the_root_unchanged) {
  supervisor s1{sys, "s1", quiet_spec()};
  supervisor s2{sys, "s2", quiet_spec()};
  supervisor s3{sys, "s3", quiet_spec()};
  auto disk_full = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    return {[self](term_atom) { self->quit(make_error(errc::terminate_tree, "disk full")); }};
  };
  value_of(s3.add("svc", disk_full));
  value_of(s2.add(s3));
  value_of(s1.add(s2));
  BOOST_REQUIRE(!s1.start());
  settle();
  send("s1.s2.s3.svc", term_atom::value);
  BOOST_REQUIRE(s1.stopped());
  auto err = s1.wait();
  BOOST_CHECK(err == errc::terminate_tree);
  BOOST_CHECK_EQUAL(detail_of(err), "disk full"); // the context survives each level
}

BOOST_AUTO_TEST_CASE(dont_propagate_keeps_the_parent_running) {
  supervisor parent{sys, "P", quiet_spec()};
  auto child_spec = quiet_spec();
  child_spec.dont_propagate_termination = true;
  supervisor child{sys, "C", child_spec};
  value_of(child.add("svc", rc(rec)));
  value_of(child.add("peer", becomes_healthy(rec)));
  value_of(parent.add(child));
  BOOST_REQUIRE(!parent.start());
  settle();
  send("P.C.svc", term_atom::value);
  BOOST_CHECK_EQUAL(rec.count("P.C.peer", node_state::canceled), 1u); // child stopped all
  BOOST_CHECK(value_of(parent.services()).empty());                // child gone quietly
  BOOST_CHECK_EQUAL(log.count("failed"), 0u);
  value_of(parent.add("later", becomes_healthy(rec))); // parent still works
  settle();
  BOOST_CHECK_EQUAL(rec.starts("P.later"), 1u);
  BOOST_CHECK(!parent.stopped());
  stop(parent);
}

BOOST_AUTO_TEST_CASE(do_not_restart_beats_terminate_tree) {
  // Go matches wrapped errors; a caf::error has one code, and a terminate
  // wrapped inside a do_not_restart (as its context) is a do_not_restart.
  supervisor s{sys, "A", quiet_spec()};
  auto wrapped = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    return {[self](dnr_atom) {
      self->quit(make_error(errc::do_not_restart, render(errc::terminate_tree)));
    }};
  };
  value_of(s.add("svc", wrapped));
  value_of(s.add("peer", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.svc", dnr_atom::value);
  BOOST_CHECK(!s.stopped());
  BOOST_CHECK_EQUAL(rec.count("A.peer", node_state::canceled), 0u);
  BOOST_CHECK_EQUAL(value_of(s.services()).size(), 1u);
  stop(s);
}

BOOST_FIXTURE_TEST_CASE(remove_and_wait_returns_when_the_supervisor_stops,
                        real_supervisor_fixture) {
  std::promise<void> release;
  auto sp = quiet_spec();
  sp.stop_timeout = 50ms;
  supervisor s{sys, "A", sp};
  auto token = value_of(s.add("hung", hung_blocking(rec, release.get_future().share())));
  BOOST_REQUIRE(!s.start());
  BOOST_REQUIRE(rec.wait("A.hung", node_state::healthy));
  auto waiter = std::async(std::launch::async, [&] { return s.remove_and_wait(token, 0ns); });
  BOOST_REQUIRE(log.wait("stop_timeout", "A.hung")); // the removal gave up on it
  s.stop();
  BOOST_REQUIRE(waiter.wait_for(10s) == std::future_status::ready);
  BOOST_CHECK(waiter.get() == errc::not_running); // ended; the service still hangs
  BOOST_CHECK(!s.wait());
  release.set_value();
}

BOOST_FIXTURE_TEST_CASE(unstopped_report_is_recursive, real_supervisor_fixture) {
  // Fixed: suture's report stops at one level; ours names the hung service
  // inside the nested supervisor.
  std::promise<void> release;
  supervisor s1{sys, "s1", quiet_spec()};
  auto inner = quiet_spec();
  inner.stop_timeout = 20ms;
  supervisor s2{sys, "s2", inner};
  value_of(s2.add("hung", hung_blocking(rec, release.get_future().share())));
  value_of(s2.add("fine", becomes_healthy(rec)));
  value_of(s1.add(s2));
  BOOST_REQUIRE(!s1.start());
  BOOST_REQUIRE(rec.wait("s1.s2.hung", node_state::healthy));
  s1.stop();
  auto result = s1.wait_for(10s);
  BOOST_REQUIRE(result.has_value());
  auto report = value_of(s1.unstopped_report());
  BOOST_REQUIRE_EQUAL(report.size(), 1u);
  BOOST_CHECK_EQUAL(report[0].dn, "s1.s2.hung");
  BOOST_CHECK_EQUAL(report[0].supervisor, "s1.s2");
  release.set_value();
}

BOOST_AUTO_TEST_CASE(default_jitter_lies_in_d_to_1_5d) {
  std::set<caf::timespan> seen;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    event_log local;
    auto sp = test_spec(local, rec);
    sp.backoff_jitter = 0.5; // the default
    sp.failure_threshold = 0.5;
    sp.failure_backoff = 10s;
    sp.seed = seed;
    supervisor s{sys, "J" + std::to_string(seed), sp};
    value_of(s.add("one", rc(rec)));
    BOOST_REQUIRE(!s.start());
    settle();
    send(s.name() + ".one", fail_atom::value);
    auto delay = local.last("backoff").delay;
    BOOST_CHECK(delay >= 10s);
    BOOST_CHECK(delay < 15s);
    seen.insert(delay);
    advance(delay - 1ns);
    BOOST_CHECK_EQUAL(local.count("resume"), 0u);
    advance(1ns);
    BOOST_CHECK_EQUAL(local.count("resume"), 1u); // resumes exactly then
    stop(s);
  }
  BOOST_CHECK(seen.size() > 15); // really random
}

BOOST_AUTO_TEST_SUITE_END()

// -- our own cases: composition, hooks, validation --------------------------------------

BOOST_FIXTURE_TEST_SUITE(supervisor_design, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(failure_counter_decays_with_its_half_life) {
  detail::failure_counter c;
  detail::failure_counter::time_point t0{};
  BOOST_CHECK_EQUAL(c.add(t0 + 1s, 30s), 1.0);
  BOOST_CHECK_EQUAL(c.add(t0 + 1s, 30s), 2.0);
  BOOST_CHECK_CLOSE(c.add(t0 + 61s, 30s), 1.5, 1e-9); // two half-lives: 2/4 + 1
  c.reset();
  BOOST_CHECK_EQUAL(c.value(), 0.0);
  BOOST_CHECK_EQUAL(c.add(t0 + 62s, 30s), 1.0);
  // A service failing every T s settles at 1/(1 - 2^(-T/30)): T = 10 s > 4.8.
  detail::failure_counter steady;
  double v = 0;
  for (int i = 0; i < 200; ++i)
    v = steady.add(t0 + i * 10s, 30s);
  BOOST_CHECK_CLOSE(v, 1.0 / (1.0 - std::pow(2.0, -10.0 / 30.0)), 1e-6);
}

BOOST_AUTO_TEST_CASE(spec_validation_names_the_field) {
  auto bad = [](auto mutate, const std::string& needle) {
    spec sp;
    mutate(sp);
    auto err = sp.validate();
    BOOST_CHECK_MESSAGE(err == errc::invalid_option, needle);
    BOOST_CHECK_MESSAGE(detail_of(err).find(needle) != std::string::npos,
                        detail_of(err) << " lacks " << needle);
  };
  bad([](spec& s) { s.failure_decay = 0s; }, "failure_decay = 0s");
  bad([](spec& s) { s.failure_decay = -1s; }, "failure_decay = -1s");
  bad([](spec& s) { s.failure_threshold = 0; }, "failure_threshold = 0");
  bad([](spec& s) { s.failure_threshold = -2; }, "failure_threshold = -2");
  bad([](spec& s) { s.failure_threshold = std::nan(""); }, "failure_threshold = nan");
  bad([](spec& s) { s.failure_backoff = -1ns; }, "failure_backoff = -1ns");
  bad([](spec& s) { s.backoff_jitter = 1.5; }, "backoff_jitter = 1.5");
  bad([](spec& s) { s.backoff_jitter = std::nan(""); }, "backoff_jitter = nan");
  bad([](spec& s) { s.stop_timeout = -5ms; }, "stop_timeout = -5ms");
  spec fine;
  fine.failure_threshold = std::numeric_limits<double>::infinity();
  fine.failure_backoff = 0s;
  fine.stop_timeout = 0s;
  fine.backoff_jitter = 0;
  BOOST_CHECK(!fine.validate());
}

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

BOOST_AUTO_TEST_CASE(hook_calling_back_into_the_supervisor_never_deadlocks) {
  supervisor* sp_ptr = nullptr;
  std::vector<caf::error> from_hook;
  size_t listed = 0;
  auto sp = quiet_spec();
  sp.on_event = [&](const event& e) {
    log.record(e);
    if (!std::holds_alternative<child_failed>(e) || !sp_ptr)
      return;
    auto& s = *sp_ptr;
    auto token = s.add("spare", becomes_healthy(rec));
    from_hook.push_back(token ? caf::error{} : token.error());
    listed = s.services() ? s.services()->size() : 0;
    from_hook.push_back(s.remove_and_wait(*token, 1s)); // would block: refused
    from_hook.push_back(s.wait());
  };
  supervisor s{sys, "A", sp};
  sp_ptr = &s;
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_REQUIRE_EQUAL(from_hook.size(), 3u);
  BOOST_CHECK(!from_hook[0]);
  BOOST_CHECK_EQUAL(listed, 2u);
  BOOST_CHECK(from_hook[1] == errc::would_deadlock);
  BOOST_CHECK(from_hook[2] == errc::would_deadlock);
  BOOST_CHECK_EQUAL(rec.starts("A.spare"), 1u);
  sp_ptr = nullptr;
  stop(s);
}

BOOST_AUTO_TEST_CASE(a_throwing_hook_is_logged_and_ignored) {
  std::vector<std::string> lines;
  auto sp = quiet_spec();
  sp.on_event = [](const event&) { throw std::runtime_error("hook bug"); };
  sp.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 2u); // supervision carried on
  BOOST_CHECK(std::find(lines.begin(), lines.end(), "supervisor: event hook threw: hook bug")
              != lines.end());
  stop(s);
}

BOOST_AUTO_TEST_CASE(child_start_and_stop_events_carry_names_and_counts) {
  supervisor s{sys, "A", quiet_spec()};
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  auto started = log.last("started");
  BOOST_CHECK_EQUAL(started.supervisor, "A");
  BOOST_CHECK_EQUAL(started.child, "A.svc");
  BOOST_CHECK_EQUAL(started.threshold, 5.0);
  BOOST_CHECK_EQUAL(started.text, "A: child A.svc started (incarnation 1)");
  BOOST_REQUIRE(!s.remove(token));
  settle();
  auto stopped = log.last("stopped");
  BOOST_CHECK(stopped.state == node_state::canceled);
  BOOST_CHECK(stopped.removed);
  BOOST_CHECK_EQUAL(stopped.text, "A: child A.svc stopped: CANCELED, removed (exit::user_shutdown)");
  stop(s);
}

BOOST_AUTO_TEST_CASE(remove_twice_and_unknown_tokens_are_errors) {
  supervisor s{sys, "A", quiet_spec()};
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_REQUIRE(!s.remove(token));
  auto again = s.remove(token);
  BOOST_CHECK(again == errc::unknown_token);
  BOOST_CHECK(detail_of(again).find("already removed") != std::string::npos
              || detail_of(again).find("removed") != std::string::npos);
  BOOST_CHECK(s.remove(service_token{token.supervisor, 999}) == errc::unknown_token);
  stop(s);
}

BOOST_AUTO_TEST_CASE(a_removed_name_stays_taken_until_its_child_has_stopped) {
  // Found by supervise-soak: add() of a just-removed name started a second
  // A.x while the first was still stopping (two incarnations of one DN).
  auto sp = quiet_spec();
  sp.stop_timeout = 1s;
  supervisor s{sys, "A", sp};
  auto token = value_of(s.add("x", stubborn(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_REQUIRE(!s.remove(token));
  settle();
  auto again = s.add("x", rc(rec));
  BOOST_REQUIRE(!again);
  BOOST_CHECK(again.error() == errc::duplicate_name);
  BOOST_CHECK_EQUAL(detail_of(again.error()), "A.x: still stopping after its removal");
  BOOST_CHECK(s.terminate_child("x") == errc::unknown_child); // no longer listed
  BOOST_CHECK_EQUAL(rec.starts("A.x"), 1u);
  advance(1s); // its stop timeout: killed, forgotten, the name is free
  value_of(s.add("x", rc(rec)));
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.x"), 2u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(removed_before_the_supervisor_saw_the_add_frees_its_name) {
  // Found by supervise-soak: add() then remove() before the engine handled
  // the add left the registration behind for good (and now its name).
  supervisor s{sys, "A", quiet_spec()};
  BOOST_REQUIRE(!s.start());
  settle();
  auto token = value_of(s.add("y", rc(rec)));
  BOOST_REQUIRE(!s.remove(token)); // the engine has not run yet
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.y"), 0u);
  value_of(s.add("y", rc(rec)));
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.y"), 1u);
  BOOST_CHECK_EQUAL(value_of(s.services()).size(), 1u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(an_exit_request_to_the_supervisor_actor_stops_it) {
  supervisor s{sys, "A", quiet_spec()};
  value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  caf::anon_send_exit(s.actor(), caf::exit_reason::user_shutdown);
  settle();
  BOOST_REQUIRE(s.stopped());
  BOOST_CHECK(!s.wait());
  BOOST_CHECK_EQUAL(rec.count("A.svc", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
