// OTP's simple_one_for_one, and the child calls that read or check specs:
// a stopped instance (terminate_child, a clean transient end) is removed and
// its id free; restart_child and delete_child are refused; a child whose
// restart is pending is listed as restarting and not counted active;
// get_childspec returns a full spec; check_childspecs checks a list without
// a supervisor. Manual clock unless a case needs real time.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <string>
#include <vector>

#include "supervise/errc.hpp"
#include "supervise/format.hpp"
#include "supervise/supervisor.hpp"
#include "otp_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

spec simple(spec sp) {
  sp.strategy = strategy::simple_one_for_one;
  return sp;
}

std::vector<std::string> ids_of(const std::vector<child_info>& kids) {
  std::vector<std::string> out;
  for (auto& k : kids)
    out.push_back(k.id);
  return out;
}

const child_info& info_of(const std::vector<child_info>& kids, const std::string& id) {
  for (auto& k : kids)
    if (k.id == id)
      return k;
  BOOST_FAIL("no child " + id);
  return kids.front();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(otp_simple_one_for_one, manual_supervisor_fixture)

// OTP: terminate_child on a simple_one_for_one child stops it and forgets it.
BOOST_FIXTURE_TEST_CASE(simple_one_for_one_removes_terminated_instances,
                        real_supervisor_fixture) {
  supervisor s{sys, "S", simple(quiet_spec())};
  BOOST_REQUIRE(!s.start());
  for (auto id : {"a", "b", "c"})
    value_of(s.start_child(child(id, becomes_healthy(rec)), 10s));
  BOOST_REQUIRE(!s.terminate_child("b"));
  BOOST_CHECK(ids_of(value_of(s.which_children())) == (std::vector<std::string>{"a", "c"}));
  BOOST_CHECK_EQUAL(value_of(s.count_children()).specs, 2u);
  BOOST_CHECK(s.terminate_child("b") == errc::unknown_child);
  // Its id is free when terminate_child returns.
  value_of(s.start_child(child("b", becomes_healthy(rec)), 10s));
  BOOST_CHECK(ids_of(value_of(s.which_children())) == (std::vector<std::string>{"a", "c", "b"}));
  BOOST_CHECK_EQUAL(log.count("failed"), 0u); // a requested stop is no failure
  s.stop();
  s.wait();
}

// OTP: a transient instance that ends cleanly is not restarted and not kept.
BOOST_AUTO_TEST_CASE(simple_one_for_one_removes_a_cleanly_ended_transient) {
  supervisor s{sys, "S", simple(quiet_spec())};
  BOOST_REQUIRE(!s.start());
  settle();
  value_of(s.start_child(child("t", rc(rec), restart_type::transient), 0ns));
  value_of(s.start_child(child("p", rc(rec)), 0ns));
  settle();
  send("S.t", quit_atom::value);
  BOOST_CHECK(ids_of(value_of(s.which_children())) == std::vector<std::string>{"p"});
  BOOST_CHECK_EQUAL(rec.starts("S.t"), 1u);
  send("S.p", quit_atom::value); // permanent: restarted, as under one_for_one
  BOOST_CHECK_EQUAL(rec.starts("S.p"), 2u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(simple_one_for_one_refuses_restart_and_delete) {
  supervisor s{sys, "S", simple(quiet_spec())};
  BOOST_REQUIRE(!s.start());
  settle();
  value_of(s.start_child(child("w", rc(rec)), 0ns));
  settle();
  auto restarted = s.restart_child("w", 0ns);
  BOOST_CHECK(restarted == errc::simple_one_for_one);
  BOOST_CHECK_EQUAL(detail_of(restarted), "S.w: restart_child under simple_one_for_one");
  auto deleted = s.delete_child("w");
  BOOST_CHECK(deleted == errc::simple_one_for_one);
  BOOST_CHECK_EQUAL(detail_of(deleted), "S.w: delete_child under simple_one_for_one");
  BOOST_CHECK(s.restart_child("nope", 0ns) == errc::unknown_child); // unknown first
  BOOST_CHECK_EQUAL(rec.starts("S.w"), 1u);
  stop(s);
}

// OTP's count_restarting_children: a child whose restart is pending (here
// held by the backoff pause) is listed as restarting and is not active.
BOOST_AUTO_TEST_CASE(count_restarting_children) {
  auto sp = simple(quiet_spec());
  sp.failure_threshold = 1;
  sp.failure_backoff = 10s;
  supervisor s{sys, "S", sp};
  BOOST_REQUIRE(!s.start());
  settle();
  value_of(s.start_child(child("a", rc(rec)), 0ns));
  value_of(s.start_child(child("b", rc(rec)), 0ns));
  settle();
  send("S.a", fail_atom::value); // 1 failure: restarts at once
  send("S.a", fail_atom::value); // 2 > 1: the pause holds its restart
  BOOST_REQUIRE_EQUAL(rec.starts("S.a"), 2u);
  auto counts = value_of(s.count_children());
  BOOST_CHECK_EQUAL(counts.specs, 2u);
  BOOST_CHECK_EQUAL(counts.active, 1u);
  BOOST_CHECK_EQUAL(counts.workers, 2u);
  auto kids = value_of(s.which_children());
  BOOST_CHECK(info_of(kids, "a").restarting);
  BOOST_CHECK(!info_of(kids, "a").actor);
  BOOST_CHECK(!info_of(kids, "a").idle);
  BOOST_CHECK(!info_of(kids, "b").restarting);
  BOOST_CHECK_EQUAL(to_string(info_of(kids, "a")), "a NEW permanent worker restarts=1 restarting");
  advance(10s); // the pause ends: a restarts
  BOOST_CHECK_EQUAL(rec.starts("S.a"), 3u);
  counts = value_of(s.count_children());
  BOOST_CHECK_EQUAL(counts.active, 2u);
  BOOST_CHECK(!info_of(value_of(s.which_children()), "a").restarting);
  stop(s);
}

BOOST_AUTO_TEST_CASE(get_childspec_fills_in_every_field) {
  auto sp = quiet_spec();
  sp.stop_timeout = 3s;
  supervisor s{sys, "S", sp};
  auto cs = child("w", rc(rec), restart_type::transient);
  cs.ready = child_spec::ready_t::healthy;
  value_of(s.start_child(cs, 0ns));
  BOOST_CHECK(s.get_childspec("w").error() == errc::not_started);
  BOOST_REQUIRE(!s.start());
  settle();
  auto got = value_of(s.get_childspec("w"));
  BOOST_CHECK_EQUAL(got.id, "w");
  BOOST_CHECK(got.restart == restart_type::transient);
  BOOST_CHECK(got.type == child_type::worker);
  BOOST_CHECK(got.ready == child_spec::ready_t::healthy);
  BOOST_CHECK(static_cast<bool>(got.start));
  BOOST_REQUIRE(got.shutdown.has_value()); // the default, made explicit
  BOOST_CHECK(got.shutdown->kind == shutdown_spec::timeout);
  BOOST_CHECK(got.shutdown->time == 3s);
  auto missing = s.get_childspec("nope");
  BOOST_CHECK(missing.error() == errc::unknown_child);
  BOOST_CHECK_EQUAL(detail_of(missing.error()), "S.nope");
  stop(s);
}

// OTP's child_specs: check_childspecs validates a list without a supervisor.
BOOST_AUTO_TEST_CASE(child_specs) {
  auto good = child("a", rc(rec));
  auto other = child("b", rc(rec), restart_type::transient);
  BOOST_CHECK(!supervisor::check_childspecs({}));
  BOOST_CHECK(!supervisor::check_childspecs({good, other}));
  auto dup = supervisor::check_childspecs({good, other, good});
  BOOST_CHECK(dup == errc::duplicate_name);
  BOOST_CHECK_EQUAL(detail_of(dup), "a");
  auto bad_name = child("no spaces", rc(rec));
  BOOST_CHECK(supervisor::check_childspecs({good, bad_name}) == errc::invalid_name);
  auto no_body = child("x", runnable{});
  auto empty = supervisor::check_childspecs({no_body});
  BOOST_CHECK(empty == errc::empty_runnable);
  BOOST_CHECK_EQUAL(detail_of(empty), "x");
  auto sig = child("s", rc(rec));
  sig.significant = true; // permanent and significant: never valid
  auto combo = supervisor::check_childspecs({good, sig}, auto_shutdown::any_significant);
  BOOST_CHECK(combo == errc::invalid_option);
  BOOST_CHECK_EQUAL(detail_of(combo), "s: significant with restart permanent");
  sig.restart = restart_type::transient;
  BOOST_CHECK(!supervisor::check_childspecs({good, sig}, auto_shutdown::any_significant));
  BOOST_CHECK(supervisor::check_childspecs({sig}) == errc::invalid_option); // under never
  auto neg = child("n", rc(rec));
  neg.shutdown = shutdown_spec::after(-1ms);
  BOOST_CHECK_EQUAL(detail_of(supervisor::check_childspecs({neg})), "n: shutdown = -1ms: must be >= 0");
}

BOOST_AUTO_TEST_SUITE_END()
