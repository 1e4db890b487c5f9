// The restart-intensity ring buffer: max_restarts within the period are
// allowed, one more is not (the period's boundary included), an old restart
// falls out exactly at the period (nanoseconds, not seconds), and 0 allows
// none. Pure: no actors.

#include "detail/restart_intensity.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace std::chrono_literals;
using namespace supervise;

BOOST_AUTO_TEST_SUITE(restart_intensity)

BOOST_AUTO_TEST_CASE(ring_buffer_boundaries) {
  detail::restart_intensity ri{3, 5s};
  detail::restart_intensity::time_point t0{};
  BOOST_CHECK(ri.allow(t0 + 1s));
  BOOST_CHECK(ri.allow(t0 + 2s));
  BOOST_CHECK(ri.allow(t0 + 3s));
  BOOST_CHECK(!ri.allow(t0 + 6s)); // 4 within [1 s, 6 s]: boundary included
  detail::restart_intensity later{3, 5s};
  BOOST_CHECK(later.allow(t0 + 1s));
  BOOST_CHECK(later.allow(t0 + 2s));
  BOOST_CHECK(later.allow(t0 + 3s));
  BOOST_CHECK(later.allow(t0 + 6s + 1ns)); // the first fell out: exact, not seconds
  detail::restart_intensity zero{0, 5s};
  BOOST_CHECK(!zero.allow(t0));
}

BOOST_AUTO_TEST_SUITE_END()
