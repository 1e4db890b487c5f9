// How a supervisor treats a service's exit reason: a return without done is
// a failure (with done it ends DONE), a terminate_tree reason reaches the
// root unchanged through nested supervisors, dont_propagate_termination
// keeps the parent running, and do_not_restart wins over a terminate_tree
// carried as its context. Manual clock.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"


#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(supervisor_exit_reasons, manual_supervisor_fixture)

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

BOOST_AUTO_TEST_SUITE_END()
