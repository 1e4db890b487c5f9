// Stopping a supervisor and what it reports: an exit request to its actor
// stops it like stop(), and the report of unstopped services is recursive:
// it names a hung service inside a nested supervisor. Manual clock unless a
// case needs real time.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <future>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(supervisor_stop, manual_supervisor_fixture)

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

BOOST_AUTO_TEST_SUITE_END()
