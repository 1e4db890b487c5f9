// suture conformance, stopping and removing: suture v4's tests (the Go
// library whose service rules a supervisor follows) under their snake_case
// names, adapted to C++: a stop stops every service, even hung ones, within
// the stop timeout; removing a service, a hung one, and remove_and_wait with
// and without a limit; the report of what could not be stopped; and misuse,
// where a nil receiver's panic in Go becomes the error our API returns
// (construction, add, calls before start or after stop). Running services
// are in suture_conformance_test.cpp (same suite). Manual clock unless a
// case needs real time.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <chrono>
#include <cmath>
#include <future>
#include <stdexcept>
#include <string>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(suture_conformance, manual_supervisor_fixture)

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
  value_of(s.add("s", ignores_stop(rec)));
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
  auto token = value_of(s.add("s", ignores_stop(rec)));
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
  // makes remove_and_wait(…, no limit) return none.
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

BOOST_FIXTURE_TEST_CASE(add_after_stopping, real_supervisor_fixture) {
  supervisor s{sys, "A", quiet_spec()};
  BOOST_REQUIRE(!s.start());
  s.stop();
  BOOST_REQUIRE(!s.wait());
  auto before = std::chrono::steady_clock::now();
  auto token = s.add("late", becomes_healthy(rec));
  BOOST_CHECK(std::chrono::steady_clock::now() - before < 5s); // no deadlock
  BOOST_CHECK(!token);
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

BOOST_AUTO_TEST_SUITE_END()
