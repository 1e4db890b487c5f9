// The failure counter of a supervisor's backoff: each failure adds one, the
// sum decays with its half-life, reset() empties it, and a service failing
// at a steady rate settles at the closed-form value. Pure: no actors.

#include "detail/failure_counter.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>

using namespace std::chrono_literals;
using namespace supervise;

BOOST_AUTO_TEST_SUITE(failure_counter)

BOOST_AUTO_TEST_CASE(failure_counter_decays_with_its_half_life) {
  detail::failure_counter c;
  detail::failure_counter::time_point t0{};
  BOOST_CHECK_EQUAL(c.add(t0 + 1s, 30s), 1.0);
  BOOST_CHECK_EQUAL(c.add(t0 + 1s, 30s), 2.0);
  BOOST_CHECK_CLOSE(c.add(t0 + 61s, 30s), 1.5, 1e-9); // two half-lives: 2/4 + 1
  c.reset();
  BOOST_CHECK_EQUAL(c.value(), 0.0);
  BOOST_CHECK_EQUAL(c.add(t0 + 62s, 30s), 1.0);
  // A service failing every T s settles at 1/(1 - 2^(-T/30)): T = 10 s > 4.8.
  detail::failure_counter steady;
  double v = 0;
  for (int i = 0; i < 200; ++i)
    v = steady.add(t0 + i * 10s, 30s);
  BOOST_CHECK_CLOSE(v, 1.0 / (1.0 - std::pow(2.0, -10.0 / 30.0)), 1e-6);
}

BOOST_AUTO_TEST_SUITE_END()
