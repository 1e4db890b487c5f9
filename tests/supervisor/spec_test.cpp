// Validation of a supervisor's spec: each bad field is refused with an
// error that names the field and its value; the extreme valid values
// (infinite threshold, zero backoff, zero stop timeout, no jitter) pass.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(supervisor_spec, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(spec_validation_names_the_field) {
  auto bad = [](auto mutate, const std::string& needle) {
    spec sp;
    mutate(sp);
    auto err = sp.validate();
    BOOST_CHECK_MESSAGE(err == errc::invalid_option, needle);
    BOOST_CHECK_MESSAGE(detail_of(err).find(needle) != std::string::npos,
                        detail_of(err) << " lacks " << needle);
  };
  bad([](spec& s) { s.failure_decay = 0s; }, "failure_decay = 0s");
  bad([](spec& s) { s.failure_decay = -1s; }, "failure_decay = -1s");
  bad([](spec& s) { s.failure_threshold = 0; }, "failure_threshold = 0");
  bad([](spec& s) { s.failure_threshold = -2; }, "failure_threshold = -2");
  bad([](spec& s) { s.failure_threshold = std::nan(""); }, "failure_threshold = nan");
  bad([](spec& s) { s.failure_backoff = -1ns; }, "failure_backoff = -1ns");
  bad([](spec& s) { s.backoff_jitter = 1.5; }, "backoff_jitter = 1.5");
  bad([](spec& s) { s.backoff_jitter = std::nan(""); }, "backoff_jitter = nan");
  bad([](spec& s) { s.stop_timeout = -5ms; }, "stop_timeout = -5ms");
  spec fine;
  fine.failure_threshold = std::numeric_limits<double>::infinity();
  fine.failure_backoff = 0s;
  fine.stop_timeout = 0s;
  fine.backoff_jitter = 0;
  BOOST_CHECK(!fine.validate());
}

BOOST_AUTO_TEST_SUITE_END()
