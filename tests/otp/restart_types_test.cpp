// OTP restart types against exit reasons: one case per row of OTP's
// restart-type table (permanent, transient and temporary children quitting
// normally, with shutdown, with {shutdown, Term}, with anything else, or
// killed: restarted or not, reported as a failure or not, kept or removed),
// and done, which keeps a permanent child without restarting it. Manual
// clock.

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

namespace {

// Registers three children of restart types permanent, transient, temporary
// that quit with `reason`, starts, fails each once, and checks that row of the table.
struct row_fixture : manual_supervisor_fixture {
  void check_row(caf::error reason, bool clean) {
    supervisor s{sys, "S", quiet_spec()};
    value_of(s.start_child(child("p", quits_with(rec, reason), restart_type::permanent)));
    value_of(s.start_child(child("tr", quits_with(rec, reason), restart_type::transient)));
    value_of(s.start_child(child("tmp", quits_with(rec, reason), restart_type::temporary)));
    BOOST_REQUIRE(!s.start());
    settle();
    send("S.p", fail_atom::value);
    send("S.tr", fail_atom::value);
    send("S.tmp", fail_atom::value);
    // permanent: restarted, reported as a failure.
    BOOST_CHECK_EQUAL(rec.starts("S.p"), 2u);
    BOOST_CHECK_EQUAL(log.count("failed", "S.p"), 1u);
    // transient: restarted only for an abnormal reason; else kept, idle.
    BOOST_CHECK_EQUAL(rec.starts("S.tr"), clean ? 1u : 2u);
    BOOST_CHECK_EQUAL(log.count("failed", "S.tr"), clean ? 0u : 1u);
    // temporary: removed either way; reported only when abnormal.
    BOOST_CHECK_EQUAL(rec.starts("S.tmp"), 1u);
    BOOST_CHECK_EQUAL(log.count("failed", "S.tmp"), clean ? 0u : 1u);
    auto kids = value_of(s.which_children());
    std::vector<std::string> ids;
    for (auto& k : kids)
      ids.push_back(k.id);
    BOOST_CHECK(ids == (std::vector<std::string>{"p", "tr"}));
    BOOST_CHECK_EQUAL(kids[1].idle, clean);
    if (clean)
      BOOST_CHECK(!s.restart_child("tr", 0ns)); // a kept spec starts again
    settle();
    if (clean)
      BOOST_CHECK_EQUAL(rec.starts("S.tr"), 2u);
    stop(s);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(otp_restart_types, row_fixture)

BOOST_AUTO_TEST_CASE(exit_normal) {
  check_row(caf::error{}, true);
}

BOOST_AUTO_TEST_CASE(exit_shutdown) {
  check_row(caf::exit_reason::user_shutdown, true);
}

BOOST_AUTO_TEST_CASE(exit_shutdown_with_term) {
  check_row(make_error(errc::shutdown, "maintenance"), true);
}

BOOST_AUTO_TEST_CASE(exit_anything_else) {
  check_row(caf::sec::runtime_error, false);
}

BOOST_AUTO_TEST_CASE(exit_killed) {
  check_row(caf::exit_reason::kill, false);
}

BOOST_AUTO_TEST_CASE(done_is_kept_not_restarted) {
  supervisor s{sys, "S", quiet_spec()};
  value_of(s.start_child(child("p", rc(rec))));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.p", healthy_atom::value);
  send("S.p", done_atom::value);
  BOOST_CHECK_EQUAL(rec.count("S.p", node_state::done), 1u);
  BOOST_CHECK_EQUAL(rec.starts("S.p"), 1u);
  BOOST_CHECK(value_of(s.which_children()).at(0).idle);
  stop(s);
}

BOOST_AUTO_TEST_SUITE_END()
