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

// A nested supervisor killed while its children stop: its parent restarts it
// only once they have exited (its stragglers), never beside them. Here the
// child takes 1 s to honour its stop request.
BOOST_AUTO_TEST_CASE(a_killed_nested_supervisor_restarts_once_its_children_stopped) {
  auto live = std::make_shared<int>(0);
  auto most = std::make_shared<int>(0);
  runnable slow_to_stop = [live, most](caf::event_based_actor* self,
                                       context& ctx) -> caf::behavior {
    *most = std::max(*most, ++*live);
    self->attach_functor([live] { --*live; });
    signal(ctx, signal_type::healthy);
    self->set_exit_handler([self](caf::exit_msg&) {
      self->delayed_send(self, 1s, ping_atom::value); // cleans up for a second
    });
    return {[self](ping_atom) { self->quit(); }};
  };
  supervisor pool{sys, "pool", quiet_spec()};
  value_of(pool.add("slow", slow_to_stop));
  supervisor app{sys, "app", quiet_spec()};
  value_of(app.add("pool", pool.as_runnable()));
  BOOST_REQUIRE(!app.start());
  settle();
  BOOST_REQUIRE_EQUAL(rec.count("app.pool", node_state::new_), 1u);
  caf::anon_send_exit(pool.actor(), caf::exit_reason::kill);
  settle();
  advance(999ms);
  BOOST_CHECK_EQUAL(rec.count("app.pool", node_state::new_), 1u); // its old child still stops
  advance(1ms);
  BOOST_CHECK_EQUAL(rec.count("app.pool", node_state::new_), 2u);
  BOOST_CHECK_EQUAL(rec.count("app.pool.slow", node_state::new_), 2u);
  BOOST_CHECK_EQUAL(*most, 1); // never two at once
  stop(app);
  advance(2s);
}

BOOST_AUTO_TEST_SUITE_END()
