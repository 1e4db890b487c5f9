// OTP restart intensity on a running supervisor: exactly max_restarts within
// the period survive, one more escalates, 0 escalates on the first failure, a
// group restart counts once, escalation is clean for a transient parent
// entry, and the failure backoff and the intensity compose. The ring buffer
// on its own: unit/restart_intensity_test.cpp. Manual clock.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "otp_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(otp_intensity, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(exactly_max_restarts_survive) {
  auto sp = quiet_spec();
  sp.restart_intensity = intensity{3, 5s};
  supervisor s{sys, "S", sp};
  value_of(s.add("c", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  for (int i = 0; i < 3; ++i)
    send("S.c", fail_atom::value);
  BOOST_CHECK(!s.stopped());
  BOOST_CHECK_EQUAL(rec.starts("S.c"), 4u);
  advance(5s + 1ns); // the window moved past all three
  for (int i = 0; i < 3; ++i)
    send("S.c", fail_atom::value);
  BOOST_CHECK(!s.stopped());
  stop(s);
}

// Every member of a one_for_all group fails before the supervisor handled
// the first exit (each has its fail message queued): one group restart,
// counted once against the intensity and the decaying counter, as OTP.
BOOST_AUTO_TEST_CASE(a_group_storm_counts_once) {
  for (auto [n, limited] : {std::pair{size_t{10}, true}, std::pair{size_t{1000}, true},
                            std::pair{size_t{10}, false}, std::pair{size_t{1000}, false}}) {
    BOOST_TEST_CONTEXT("group of " << n << (limited ? ", intensity 1 in 60s" : ", no intensity")) {
      log.clear();
      auto sp = quiet_spec();
      sp.strategy = strategy::one_for_all;
      if (limited)
        sp.restart_intensity = intensity{1, 60s};
      auto name = "S" + std::to_string(n) + (limited ? "i" : "");
      supervisor s{sys, name, sp};
      for (size_t i = 0; i < n; ++i)
        value_of(s.add("c" + std::to_string(i), rc(rec)));
      BOOST_REQUIRE(!s.start());
      settle();
      for (auto& c : value_of(s.which_children()))
        caf::anon_send(c.actor, fail_atom::value);
      settle();
      BOOST_CHECK(!s.stopped()); // intensity 1: a second counted restart escalates
      BOOST_CHECK_EQUAL(log.count("backoff"), 0u); // threshold 5: a sixth counted failure pauses
      size_t twice = 0;
      for (size_t i = 0; i < n; ++i)
        twice += rec.starts(name + ".c" + std::to_string(i)) == 2 ? 1 : 0;
      BOOST_CHECK_EQUAL(twice, n); // every member restarted once, together
      stop(s);
    }
  }
}

BOOST_AUTO_TEST_CASE(one_more_escalates) {
  auto sp = quiet_spec();
  sp.restart_intensity = intensity{3, 5s};
  supervisor s{sys, "S", sp};
  value_of(s.add("a", becomes_healthy(rec)));
  value_of(s.add("c", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  for (int i = 0; i < 4; ++i)
    send("S.c", fail_atom::value);
  BOOST_REQUIRE(s.stopped());
  auto err = s.wait();
  BOOST_CHECK(err == errc::shutdown);
  BOOST_CHECK(detail_of(err).find("reached_max_restart_intensity") != std::string::npos);
  BOOST_CHECK_EQUAL(rec.starts("S.c"), 4u); // the 4th failure is not restarted
  BOOST_CHECK_EQUAL(rec.count("S.a", node_state::canceled), 1u);
}

BOOST_AUTO_TEST_CASE(intensity_zero_escalates_on_first_failure) {
  auto sp = quiet_spec();
  sp.restart_intensity = intensity{0, 1s};
  supervisor s{sys, "S", sp};
  value_of(s.add("c", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.c", fail_atom::value);
  BOOST_CHECK(s.stopped());
}

BOOST_AUTO_TEST_CASE(a_group_restart_counts_once) {
  auto sp = quiet_spec();
  sp.strategy = strategy::one_for_all;
  sp.restart_intensity = intensity{2, 5s};
  supervisor s{sys, "S", sp};
  for (auto id : {"c1", "c2", "c3", "c4"})
    value_of(s.add(id, rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.c1", fail_atom::value); // 4 children restarted: 1 restart
  send("S.c1", fail_atom::value); // 2
  BOOST_CHECK(!s.stopped());
  send("S.c1", fail_atom::value); // 3 > 2
  BOOST_CHECK(s.stopped());
}

BOOST_AUTO_TEST_CASE(escalation_is_clean_for_a_transient_parent_entry) {
  // A child supervisor that gives up exits errc::shutdown: its permanent
  // entry restarts it (counting against the parent), a transient one not.
  auto inner_spec = quiet_spec();
  inner_spec.restart_intensity = intensity{0, 1s};
  supervisor perm{sys, "perm", inner_spec};
  supervisor trans{sys, "trans", inner_spec};
  value_of(perm.add("c", rc(rec)));
  value_of(trans.add("c", rc(rec)));
  supervisor top{sys, "top", quiet_spec()};
  child_spec p;
  p.id = "perm";
  p.start = perm.as_runnable();
  p.type = child_type::supervisor;
  value_of(top.start_child(p));
  child_spec t = p;
  t.id = "trans";
  t.start = trans.as_runnable();
  t.restart = restart_type::transient;
  value_of(top.start_child(t));
  BOOST_REQUIRE(!top.start());
  settle();
  send("top.perm.c", fail_atom::value);
  send("top.trans.c", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.starts("top.perm.c"), 2u);  // perm restarted, fresh
  BOOST_CHECK_EQUAL(rec.starts("top.trans.c"), 1u); // trans: gone quietly
  auto kids = value_of(top.which_children());
  BOOST_CHECK(kids.at(1).idle);
  BOOST_CHECK(kids.at(1).type == child_type::supervisor);
  stop(top);
}

BOOST_AUTO_TEST_CASE(backoff_and_intensity_compose) {
  // A restart held by the backoff pause still counts when it is decided.
  auto sp = quiet_spec();
  sp.failure_threshold = 0.5; // every failure pauses restarts
  sp.failure_backoff = 1s;
  sp.restart_intensity = intensity{1, 10s};
  supervisor s{sys, "S", sp};
  value_of(s.add("c", rc(rec)));
  value_of(s.add("d", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.c", fail_atom::value); // 1 restart decided, held by the pause
  BOOST_CHECK(!s.stopped());
  send("S.d", fail_atom::value); // 2 within 10 s: escalates while paused
  BOOST_CHECK(s.stopped());
}

BOOST_AUTO_TEST_SUITE_END()
