// Bad input, options: one case per kind of bad value in a spec, tree_options,
// backoff_options or child_spec (negative and zero durations, several bad
// fields at once, thresholds and intensities out of range, the deprecated
// field names). Each asserts the error code and that the message names the
// field and its value, in human units; a supervisor still restarts a child
// afterwards where one runs. The bad calls are in bad_input_test.cpp (same
// suite). Manual clock.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "bad_input_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(bad_input, bad_input_fixture)

BOOST_AUTO_TEST_CASE(negative_and_zero_durations) {
  auto bad_spec = [](auto mutate, const std::string& needle) {
    spec sp;
    mutate(sp);
    expect(sp.validate(), errc::invalid_option, needle);
  };
  bad_spec([](spec& s) { s.failure_decay = 0s; }, "spec: failure_decay = 0s: must be > 0");
  bad_spec([](spec& s) { s.failure_decay = -2s; }, "spec: failure_decay = -2s");
  bad_spec([](spec& s) { s.failure_backoff = -1ns; }, "spec: failure_backoff = -1ns");
  bad_spec([](spec& s) { s.stop_timeout = -5ms; }, "spec: stop_timeout = -5ms");
  bad_spec([](spec& s) { s.restart_intensity = intensity{3, 0s}; },
           "spec: restart_intensity.period = 0s");
  expect_invalid_argument(
    [&] {
      spec sp;
      sp.stop_timeout = -1ms;
      supervisor bad{sys, "S", sp};
    },
    "spec: stop_timeout = -1ms");
  // tree_options: a negative stop timeout or backoff throws, naming the value.
  expect_invalid_argument(
    [&] {
      auto opts = options();
      opts.stop_timeout = -1ms;
      tree bad{sys, rc(rec), opts};
    },
    "tree_options: stop_timeout = -1ms: must be >= 0");
  expect_invalid_argument(
    [&] {
      auto opts = options();
      opts.backoff.initial = -3ms;
      tree bad{sys, rc(rec), opts};
    },
    "tree_options: backoff.initial = -3ms");
  backoff_options bo;
  bo.initial = -1ns;
  expect(bo.validate(), errc::invalid_option, "backoff.initial = -1ns");
  // A negative shutdown of one child.
  auto& s = running_a();
  child_spec cs;
  cs.id = "neg";
  cs.start = rc(rec);
  cs.shutdown = shutdown_spec::after(-1ms);
  expect(s.start_child(cs, 0s), errc::invalid_option, "A.neg: shutdown = -1ms: must be >= 0");
  still_restarts("A.x");
  stop(s);
  // timeout 0 is valid: a child that ignores its stop request is killed at once.
  auto sp = quiet_spec();
  sp.stop_timeout = 0s;
  BOOST_CHECK(!sp.validate());
  supervisor z{sys, "Z", sp};
  value_of(z.add("stubborn", [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    self->set_exit_handler([](caf::exit_msg&) {});
    return {[](ping_atom) {}};
  }));
  BOOST_REQUIRE(!z.start());
  settle();
  z.stop();
  settle();     // the stop arms zero-length timers ...
  advance(1ms); // ... which fire now
  BOOST_REQUIRE(z.stopped());
  BOOST_CHECK(log.count("stop_timeout", "Z.stubborn") == 1u);
}

BOOST_AUTO_TEST_CASE(every_bad_field_in_one_error) {
  // Three bad fields of a spec: one invalid_option naming all three, in
  // declaration order, each with its value and rule.
  spec sp;
  sp.failure_decay = 0s;
  sp.backoff_jitter = 2;
  sp.stop_timeout = -1s;
  auto err = sp.validate();
  BOOST_CHECK(err == errc::invalid_option);
  BOOST_CHECK_EQUAL(detail_of(err), "spec: failure_decay = 0s: must be > 0; "
                                    "backoff_jitter = 2: must be in [0, 1]; "
                                    "stop_timeout = -1s: must be >= 0 (0: kill at once)");
  // The supervisor refuses it with the same text.
  expect_invalid_argument([&] { supervisor bad{sys, "S", sp}; },
                          "supervise::supervisor S: " + detail_of(err));
  // tree_options::validate(): the backoff fields and the stop timeout.
  tree_options opts;
  opts.backoff.initial = -3ms;
  opts.backoff.multiplier = 0.5;
  opts.stop_timeout = -1500ms;
  auto terr = opts.validate();
  BOOST_CHECK(terr == errc::invalid_option);
  BOOST_CHECK_EQUAL(detail_of(terr),
                    "tree_options: backoff.initial = -3ms: must be >= 0 (0: restart at once); "
                    "backoff.multiplier = 0.5: must be a finite number >= 1; "
                    "stop_timeout = -1.5s: must be >= 0 (0: kill at once)");
  BOOST_CHECK(!tree_options{}.validate());
  // The tree throws with it.
  expect_invalid_argument([&] { tree bad{sys, rc(rec), opts}; },
                          "supervise::tree: " + detail_of(terr));
  // A child_spec: a bad combination and a bad value at once.
  auto& a = running_a();
  child_spec cs;
  cs.id = "both";
  cs.start = rc(rec);
  cs.significant = true;
  cs.shutdown = shutdown_spec::after(-250ms);
  expect(a.start_child(cs, 0s), errc::invalid_option,
         "A.both: significant with restart permanent; significant under auto_shutdown never; "
         "shutdown = -250ms: must be >= 0");
  still_restarts("A.x");
  stop(a);
}

BOOST_AUTO_TEST_CASE(durations_in_human_units) {
  // The largest unit not above the value, exact decimals, no trailing zeros.
  auto shown = [](std::chrono::nanoseconds d) {
    spec sp;
    sp.failure_backoff = d;
    return detail_of(sp.validate());
  };
  auto want = [](const std::string& text) {
    return "spec: failure_backoff = " + text + ": must be >= 0 (0: resume at once)";
  };
  BOOST_CHECK_EQUAL(shown(-1s), want("-1s"));
  BOOST_CHECK_EQUAL(shown(-250ms), want("-250ms"));
  BOOST_CHECK_EQUAL(shown(-1500ms), want("-1.5s"));
  BOOST_CHECK_EQUAL(shown(-1000ns), want("-1us"));
  BOOST_CHECK_EQUAL(shown(-1001ns), want("-1.001us"));
  BOOST_CHECK_EQUAL(shown(-999ns), want("-999ns"));
  BOOST_CHECK_EQUAL(shown(-(1s + 1ns)), want("-1.000000001s"));
  BOOST_CHECK_EQUAL(shown(-120s), want("-120s"));
  BOOST_CHECK_EQUAL(shown(std::chrono::nanoseconds::min()), want("-9223372036.854775808s"));
  spec zero;
  zero.failure_decay = 0s;
  BOOST_CHECK_EQUAL(detail_of(zero.validate()), "spec: failure_decay = 0s: must be > 0");
  // A comparison with another field shows both values.
  backoff_options bo;
  bo.initial = 2s;
  bo.max_interval = 750ms;
  BOOST_CHECK_EQUAL(detail_of(bo.validate()),
                    "backoff.max_interval = 750ms: must be >= backoff.initial (2s)");
  backoff_options up;
  up.min_uptime = -1s;
  BOOST_CHECK_EQUAL(detail_of(up.validate()),
                    "backoff.min_uptime = -1s: must be >= 0 (0: healthy resets at once)");
}

// The names before the rename compile, warn, and still take effect.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
BOOST_AUTO_TEST_CASE(deprecated_spec_names_still_work) {
  spec sp;
  BOOST_CHECK(!sp.timeout.assigned());
  BOOST_CHECK(sp.effective_stop_timeout() == 10s);
  BOOST_CHECK(!sp.effective_propagate_exceptions());
  sp.timeout = std::chrono::seconds(3);
  sp.pass_through_exceptions = true;
  BOOST_CHECK(sp.effective_stop_timeout() == 3s); // the old name wins
  BOOST_CHECK(sp.stop_timeout == 10s);
  BOOST_CHECK(sp.effective_propagate_exceptions());
  std::chrono::nanoseconds read_back = sp.timeout; // reads as the plain field did
  BOOST_CHECK(read_back == 3s);
  BOOST_CHECK(sp.timeout == 3s);
  // A copy keeps the assignment.
  spec copy = sp;
  BOOST_CHECK(copy.effective_stop_timeout() == 3s);
  // validate() names the field as written.
  spec neg;
  neg.timeout = -1s;
  expect(neg.validate(), errc::invalid_option, "spec: timeout = -1s: must be >= 0");
  // A supervisor takes the old name's value as its stop timeout, under the
  // new name, and honours it: 0 kills a stubborn child at once (the default
  // 10s would not within 1ms).
  auto z_spec = quiet_spec();
  z_spec.timeout = 0s;
  supervisor z{sys, "Z", z_spec};
  BOOST_CHECK(z.config().stop_timeout == 0s);
  BOOST_CHECK(z.config().effective_stop_timeout() == 0s);
  BOOST_CHECK(!z.config().timeout.assigned()); // moved to the new name
  value_of(z.add("stubborn", [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    self->set_exit_handler([](caf::exit_msg&) {});
    return {[](ping_atom) {}};
  }));
  BOOST_REQUIRE(!z.start());
  settle();
  z.stop();
  settle();
  advance(1ms);
  BOOST_REQUIRE(z.stopped());
  BOOST_CHECK(log.count("stop_timeout", "Z.stubborn") == 1u);
}
#pragma GCC diagnostic pop

BOOST_AUTO_TEST_CASE(threshold_zero_or_negative) {
  for (double bad : {0.0, -2.0, std::nan("")}) {
    spec sp;
    sp.failure_threshold = bad;
    expect(sp.validate(), errc::invalid_option, fmt::format("spec: failure_threshold = {}", bad));
    expect_invalid_argument([&] { supervisor s{sys, "S", sp}; }, "failure_threshold");
  }
  // +inf is valid: never back off.
  auto sp = quiet_spec();
  sp.failure_threshold = std::numeric_limits<double>::infinity();
  supervisor s{sys, "A", sp};
  value_of(s.add("x", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  for (int i = 0; i < 20; ++i)
    still_restarts("A.x");
  BOOST_CHECK_EQUAL(log.count("backoff"), 0u);
  stop(s);
}

BOOST_AUTO_TEST_CASE(intensity_zero) {
  // Decided: max_restarts 0 is valid (OTP): the first failure escalates.
  auto sp = quiet_spec();
  sp.restart_intensity = intensity{0, 1s};
  BOOST_CHECK(!sp.validate());
  supervisor s{sys, "S", sp};
  value_of(s.add("c", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.c", fail_atom::value);
  BOOST_REQUIRE(s.stopped());
  auto why = s.wait();
  expect(why, errc::shutdown, "reached_max_restart_intensity: S");
  BOOST_CHECK_EQUAL(rec.starts("S.c"), 1u); // not restarted
  // period <= 0 is rejected.
  spec neg;
  neg.restart_intensity = intensity{0, -1s};
  expect(neg.validate(), errc::invalid_option,
         "spec: restart_intensity.period = -1s");
}

BOOST_AUTO_TEST_SUITE_END()
