#include "supervise/exit_classification.hpp"

#include <boost/test/unit_test.hpp>

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "supervise/errc.hpp"

using namespace supervise;

namespace {
caf::error failure() { return caf::sec::runtime_error; }
} // namespace

BOOST_AUTO_TEST_SUITE(exit_classification_suite)

BOOST_AUTO_TEST_CASE(done_wins_over_cancelled) {
  BOOST_CHECK(classify({caf::error{}, true, false}) == exit_outcome::done);
  BOOST_CHECK(classify({caf::error{}, true, true}) == exit_outcome::done);
}

BOOST_AUTO_TEST_CASE(cancelled_stop_reasons_are_canceled) {
  BOOST_CHECK(classify({caf::exit_reason::user_shutdown, false, true}) == exit_outcome::canceled);
  BOOST_CHECK(classify({caf::exit_reason::kill, false, true}) == exit_outcome::canceled);
  BOOST_CHECK(classify({caf::error{}, false, true}) == exit_outcome::canceled);
  BOOST_CHECK(classify({caf::exit_reason::user_shutdown, true, true}) == exit_outcome::canceled);
}

BOOST_AUTO_TEST_CASE(everything_else_is_dead) {
  // A normal return without done is a failure (Monogon: "returned nil").
  BOOST_CHECK(classify({caf::error{}, false, false}) == exit_outcome::dead);
  BOOST_CHECK(classify({failure(), false, false}) == exit_outcome::dead);
  BOOST_CHECK(classify({failure(), true, false}) == exit_outcome::dead);
  // A non-stop error after cancellation is still a failure.
  BOOST_CHECK(classify({failure(), false, true}) == exit_outcome::dead);
  // user_shutdown without a cancel: someone outside stopped it: failure.
  BOOST_CHECK(classify({caf::exit_reason::user_shutdown, false, false}) == exit_outcome::dead);
}

BOOST_AUTO_TEST_CASE(special_outcomes) {
  BOOST_CHECK(classify({errc::do_not_restart, false, false}) == exit_outcome::stop_for_good);
  BOOST_CHECK(classify({errc::do_not_restart, false, true}) == exit_outcome::stop_for_good);
  BOOST_CHECK(classify({errc::terminate_tree, true, true}) == exit_outcome::terminate_tree);
  BOOST_CHECK(state_after(exit_outcome::stop_for_good) == node_state::done);
}

BOOST_AUTO_TEST_CASE(errors_render_with_their_detail) {
  BOOST_CHECK_EQUAL(render(make_error(errc::invalid_name, "a.b")),
                    "supervise::invalid_name(\"a.b\")");
  BOOST_CHECK_EQUAL(render(errc::terminate_tree), "supervise::terminate_tree");
  BOOST_CHECK_EQUAL(render(caf::error{}), "none");
  BOOST_CHECK_EQUAL(std::string{to_string(node_state::canceled)}, "CANCELED");
}

BOOST_AUTO_TEST_SUITE_END()
