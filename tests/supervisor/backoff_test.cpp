// A supervisor's failure backoff: with the default spec a burst gives six
// starts, then a pause; a failure during the pause re-arms it; an add during
// the pause starts at once; the default jitter spreads the pause over
// [d, 1.5 d) and it resumes exactly then. Manual clock.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <set>
#include <string>
#include <vector>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(supervisor_backoff, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(default_spec_burst_gives_six_starts_then_backoff) {
  spec sp; // the true defaults: threshold 5, decay 30 s, backoff 15 s
  sp.on_event = log.hook();
  sp.on_state = rec.hook();
  supervisor s{sys, "A", sp};
  value_of(s.add("svc", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  for (int i = 0; i < 6; ++i)
    send("A.svc", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 6u); // start + 5 immediate restarts
  BOOST_CHECK_EQUAL(log.count("backoff"), 1u);
  BOOST_CHECK(log.suture_types()
              == (std::vector<std::string>{"failed", "failed", "failed", "failed", "failed",
                                           "backoff", "failed"}));
  advance(10s);
  BOOST_CHECK_EQUAL(rec.starts("A.svc"), 6u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(failure_during_backoff_rearms_timer) {
  auto sp = quiet_spec();
  sp.failure_threshold = 0.5;
  sp.failure_backoff = 300ms;
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  value_of(s.add("two", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value); // pause until 300 ms
  advance(200ms);
  send("A.two", fail_atom::value); // re-armed: pause until 500 ms
  BOOST_CHECK_EQUAL(log.count("backoff"), 2u);
  advance(299ms);
  BOOST_CHECK_EQUAL(log.count("resume"), 0u);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 1u);
  advance(1ms);
  BOOST_CHECK_EQUAL(log.count("resume"), 1u);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 2u); // queue order: one, then two
  BOOST_CHECK_EQUAL(rec.starts("A.two"), 2u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(add_during_backoff_starts_at_once) {
  auto sp = quiet_spec();
  sp.failure_threshold = 0.5;
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_REQUIRE_EQUAL(log.count("backoff"), 1u);
  value_of(s.add("fresh", becomes_healthy(rec)));
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.fresh"), 1u);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 1u); // still held back
  stop(s);
}

BOOST_AUTO_TEST_CASE(default_jitter_lies_in_d_to_1_5d) {
  std::set<caf::timespan> seen;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    event_log local;
    auto sp = test_spec(local, rec);
    sp.backoff_jitter = 0.5; // the default
    sp.failure_threshold = 0.5;
    sp.failure_backoff = 10s;
    sp.seed = seed;
    supervisor s{sys, "J" + std::to_string(seed), sp};
    value_of(s.add("one", rc(rec)));
    BOOST_REQUIRE(!s.start());
    settle();
    send(s.name() + ".one", fail_atom::value);
    auto delay = local.last("backoff").delay;
    BOOST_CHECK(delay >= 10s);
    BOOST_CHECK(delay < 15s);
    seen.insert(delay);
    advance(delay - 1ns);
    BOOST_CHECK_EQUAL(local.count("resume"), 0u);
    advance(1ns);
    BOOST_CHECK_EQUAL(local.count("resume"), 1u); // resumes exactly then
    stop(s);
  }
  BOOST_CHECK(seen.size() > 15); // really random
}

BOOST_AUTO_TEST_SUITE_END()
