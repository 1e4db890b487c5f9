// The tree-node backoff: the default sequence (500 ms, x1.5, capped at 60 s),
// the jitter bounds, the cap applied to the base, reset() and the options
// validation naming the bad field. Pure: no actors. The suite is named
// backoff, so the class is spelled supervise::backoff here.
#include "supervise/backoff.hpp"

#include <boost/test/unit_test.hpp>

#include "supervise/errc.hpp"

using namespace std::chrono;
using namespace supervise;

BOOST_AUTO_TEST_SUITE(backoff)

BOOST_AUTO_TEST_CASE(default_sequence_matches_monogon) {
  supervise::backoff b; // 500 ms, x1.5, cap 60 s, jitter 0.5
  // With a sample of 0.5 the jitter is centred: the delay equals the base.
  std::vector<int64_t> want{500, 750, 1125, 1687, 2531};
  for (auto ms : want)
    BOOST_CHECK_EQUAL(duration_cast<milliseconds>(b.next(0.5)).count(), ms);
}

BOOST_AUTO_TEST_CASE(jitter_bounds) {
  supervise::backoff lo, hi;
  BOOST_CHECK(lo.next(0.0) == milliseconds(250));
  BOOST_CHECK(hi.next(0.999999) < milliseconds(750));
  BOOST_CHECK(hi.next(0.999999) > milliseconds(1124));
}

BOOST_AUTO_TEST_CASE(cap_applies_to_base) {
  supervise::backoff b;
  for (int i = 0; i < 40; ++i)
    b.next(0.5);
  BOOST_CHECK(b.current_base() == seconds(60));
  // The randomised delay may exceed the cap by the jitter.
  BOOST_CHECK(b.next(0.999) > seconds(89));
}

BOOST_AUTO_TEST_CASE(reset_returns_to_initial) {
  supervise::backoff b;
  b.next(0.5);
  b.next(0.5);
  b.reset();
  BOOST_CHECK(b.next(0.5) == milliseconds(500));
}

BOOST_AUTO_TEST_CASE(invalid_options_name_the_field) {
  backoff_options o;
  o.initial = milliseconds(-1);
  auto err = o.validate();
  BOOST_CHECK(err == errc::invalid_option);
  BOOST_CHECK(detail_of(err).find("backoff.initial") != std::string::npos);
  o = {};
  o.multiplier = 0.5;
  BOOST_CHECK(detail_of(o.validate()).find("multiplier") != std::string::npos);
  o = {};
  o.jitter = std::nan("");
  BOOST_CHECK(detail_of(o.validate()).find("jitter") != std::string::npos);
  o = {};
  o.max_interval = milliseconds(1);
  BOOST_CHECK(detail_of(o.validate()).find("max_interval") != std::string::npos);
  BOOST_CHECK(!backoff_options{}.validate());
  o = {};
  o.initial = milliseconds(0); // explicit zero is honoured, not "default"
  BOOST_CHECK(!o.validate());
  supervise::backoff zero{o};
  BOOST_CHECK(zero.next(0.9) == nanoseconds(0));
}

BOOST_AUTO_TEST_SUITE_END()
