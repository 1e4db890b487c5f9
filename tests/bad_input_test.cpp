// Bad input (issue 7.4): one case per row of the table. Each asserts the
// error code, that the message names the bad value, and that the tree or
// supervisor keeps working afterwards (a child still restarts). Manual-clock
// tests unless a blocking call needs real time.
#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

// The code is `code` and the message contains `needle`.
void expect(const caf::error& err, errc code, const std::string& needle) {
  BOOST_CHECK_MESSAGE(err == code, "expected " << to_string(code) << ", got " << render(err));
  BOOST_CHECK_MESSAGE(detail_of(err).find(needle) != std::string::npos,
                      "\"" << detail_of(err) << "\" does not name \"" << needle << "\"");
}

template <class T>
void expect(const caf::expected<T>& x, errc code, const std::string& needle) {
  BOOST_REQUIRE_MESSAGE(!x, "expected " << to_string(code) << ", got a value");
  expect(x.error(), code, needle);
}

// `f` throws std::invalid_argument whose what() contains `needle`.
void expect_invalid_argument(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    BOOST_ERROR("no exception; expected one naming \"" << needle << "\"");
  } catch (const std::invalid_argument& e) {
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find(needle) != std::string::npos,
                        "\"" << e.what() << "\" does not name \"" << needle << "\"");
  }
}

// A root that calls `body` with its context (collecting errors), runs an rc
// child "c" to prove the tree still works, then stays healthy.
runnable probing_root(recorder& rec, std::function<void(context&)> body) {
  return [&rec, body](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "c", rc(rec));
    body(ctx);
    return {[](ping_atom) {}};
  };
}

struct fixture : manual_supervisor_fixture {
  using manual_fixture::stop;
  using manual_supervisor_fixture::stop;

  // `dn` (an rc child) fails and is started again.
  void still_restarts(const std::string& dn) {
    auto before = rec.starts(dn);
    BOOST_REQUIRE_MESSAGE(before > 0, dn << " never started");
    send(dn, fail_atom::value);
    advance(1s); // a tree node's backoff (500 ms); a service restarts at once
    BOOST_CHECK_MESSAGE(rec.starts(dn) == before + 1, dn << " did not restart");
  }

  // A running standalone supervisor "A" with an rc service "x".
  supervisor& running_a() {
    a.emplace(sys, "A", quiet_spec());
    token = value_of(a->add("x", rc(rec)));
    BOOST_REQUIRE(!a->start());
    settle();
    return *a;
  }

  std::optional<supervisor> a;
  service_token token;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(bad_input, fixture)

BOOST_AUTO_TEST_CASE(invalid_and_duplicate_names) {
  std::vector<caf::error> errs;
  tree t{sys, probing_root(rec, [&](context& ctx) {
           errs.push_back(run(ctx, "a.b", rc(rec)));
           errs.push_back(run(ctx, "sp ace", rc(rec)));
           errs.push_back(run(ctx, "c", rc(rec)));
           errs.push_back(run_group(ctx, {{"g", rc(rec)}, {"g", rc(rec)}}));
         }),
         options()};
  settle();
  BOOST_REQUIRE_EQUAL(errs.size(), 4u);
  expect(errs[0], errc::invalid_name, "a.b");
  expect(errs[1], errc::invalid_name, "sp ace");
  expect(errs[2], errc::duplicate_name, "root.c");
  expect(errs[3], errc::duplicate_name, "root.g");
  still_restarts("root.c");
  stop(t);
  auto& s = running_a();
  expect(s.add("x", rc(rec)), errc::duplicate_name, "A.x");
  expect(s.add(std::string(65, 'n'), rc(rec)), errc::invalid_name, std::string(65, 'n'));
  child_spec cs;
  cs.id = "x";
  cs.start = rc(rec);
  expect(s.start_child(cs, 0s), errc::duplicate_name, "A.x");
  expect_invalid_argument([&] { supervisor bad{sys, "no/slash"}; }, "\"no/slash\"");
  still_restarts("A.x");
  stop(s);
}

BOOST_AUTO_TEST_CASE(run_after_healthy) {
  caf::error err;
  tree t{sys, probing_root(rec, [&](context& ctx) {
           signal(ctx, signal_type::healthy);
           err = run(ctx, "late", rc(rec));
         }),
         options()};
  settle();
  expect(err, errc::not_new, "root");
  BOOST_CHECK_EQUAL(rec.starts("root.late"), 0u);
  still_restarts("root.c");
  stop(t);
}

BOOST_AUTO_TEST_CASE(signal_misuse) {
  std::vector<caf::error> errs;
  tree t{sys, probing_root(rec, [&](context& ctx) {
           errs.push_back(signal(ctx, signal_type::done));
           signal(ctx, signal_type::healthy);
           errs.push_back(signal(ctx, signal_type::healthy));
           signal(ctx, signal_type::done);
           errs.push_back(signal(ctx, signal_type::done));
         }),
         options()};
  settle();
  BOOST_REQUIRE_EQUAL(errs.size(), 3u);
  expect(errs[0], errc::signal_misuse, "root: done signalled before healthy");
  expect(errs[1], errc::signal_misuse, "root: healthy signalled twice");
  expect(errs[2], errc::signal_misuse, "root: done signalled twice");
  still_restarts("root.c");
  stop(t);
}

BOOST_AUTO_TEST_CASE(stale_context) {
  std::optional<context> first;
  auto child = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    if (!first)
      first.emplace(ctx);
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  tree t{sys, probing_root(rec, [&](context& ctx) { run(ctx, "s", child); }), options()};
  settle();
  still_restarts("root.s");
  expect(signal(*first, signal_type::healthy), errc::stale_context, "root.s");
  expect(run(*first, "x", rc(rec)), errc::stale_context, "root.s");
  expect(sub_logger(*first, "sub"), errc::stale_context, "root.s");
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.s", node_state::healthy), 0u); // not the new one
  still_restarts("root.s");
  stop(t);
}

BOOST_AUTO_TEST_CASE(unknown_or_foreign_tokens) {
  auto& s = running_a();
  supervisor b{sys, "B", quiet_spec()};
  auto foreign = value_of(b.add("y", rc(rec)));
  auto foreign_text = "token {" + std::to_string(foreign.supervisor) + ", 1}";
  expect(s.remove(foreign), errc::wrong_supervisor, foreign_text + " given to A");
  expect(s.remove_and_wait(foreign, 1s), errc::wrong_supervisor, foreign_text);
  expect(s.remove(service_token{}), errc::wrong_supervisor, "token {0, 0}");
  auto unknown = service_token{token.supervisor, 999};
  expect(s.remove(unknown), errc::unknown_token,
         "token {" + std::to_string(token.supervisor) + ", 999} of A");
  expect(s.terminate_child("nope"), errc::unknown_child, "A.nope");
  expect(s.delete_child("nope"), errc::unknown_child, "A.nope");
  still_restarts("A.x");
  stop(s);
}

BOOST_AUTO_TEST_CASE(remove_twice) {
  auto& s = running_a();
  auto y = value_of(s.add("y", rc(rec)));
  settle();
  BOOST_REQUIRE(!s.remove(y));
  settle();
  auto text = "token {" + std::to_string(y.supervisor) + ", " + std::to_string(y.service) + "}";
  expect(s.remove(y), errc::unknown_token, text + " of A: never issued or already removed");
  expect(s.remove_and_wait(y, 0s), errc::unknown_token, text);
  still_restarts("A.x");
  stop(s);
}

BOOST_AUTO_TEST_CASE(add_after_stop) {
  auto& s = running_a();
  stop(s);
  expect(s.add("late", rc(rec)), errc::not_running, "A");
  child_spec cs;
  cs.id = "late2";
  cs.start = rc(rec);
  expect(s.start_child(cs, 0s), errc::not_running, "A");
  expect(s.remove(token), errc::not_running, "A");
  expect(s.stop(), errc::not_running, "A");
  expect(s.start(), errc::not_running, "A has ended");
  settle();
  BOOST_CHECK_EQUAL(rec.starts("A.late"), 0u);
  // A context of a stopped tree: stale, nothing is created.
  std::optional<context> kept;
  tree t{sys, probing_root(rec, [&](context& ctx) { kept.emplace(ctx); }), options()};
  settle();
  stop(t);
  expect(run(*kept, "late", rc(rec)), errc::stale_context, "root");
  settle();
  BOOST_CHECK_EQUAL(rec.starts("root.late"), 0u);
}

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

BOOST_AUTO_TEST_CASE(empty_runnable) {
  std::function<caf::error(context&)> no_target;
  std::function<caf::behavior(caf::event_based_actor*, context&)> no_behavior;
  BOOST_CHECK(!runnable{no_target});
  BOOST_CHECK(!runnable{no_behavior});
  std::vector<caf::error> errs;
  tree t{sys, probing_root(rec, [&](context& ctx) {
           errs.push_back(run(ctx, "e1", no_target));
           errs.push_back(run_group(ctx, {{"ok", rc(rec)}, {"e2", no_behavior}}));
         }),
         options()};
  settle();
  BOOST_REQUIRE_EQUAL(errs.size(), 2u);
  expect(errs[0], errc::empty_runnable, "root.e1");
  expect(errs[1], errc::empty_runnable, "root.e2");
  BOOST_CHECK_EQUAL(rec.starts("root.ok"), 0u); // the whole group was refused
  still_restarts("root.c");
  stop(t);
  auto& s = running_a();
  expect(s.add("e3", no_target), errc::empty_runnable, "A.e3");
  child_spec cs;
  cs.id = "e4";
  cs.start = no_behavior;
  expect(s.start_child(cs, 0s), errc::empty_runnable, "A.e4");
  expect_invalid_argument([&] { tree bad{sys, no_target, options()}; }, "root runnable is empty");
  still_restarts("A.x");
  stop(s);
}

BOOST_FIXTURE_TEST_CASE(start_function_throws, real_supervisor_fixture) {
  // An event-based child whose behaviour factory throws once, then works.
  std::atomic<int> runs{0};
  auto flaky = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    if (++runs == 1)
      throw std::runtime_error("bad start 42");
    rec.started(ctx.dn(), caf::actor{self});
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  auto always = [](caf::event_based_actor*, context&) -> caf::behavior {
    throw std::runtime_error("never starts 7");
  };
  supervisor s{sys, "A", quiet_spec()};
  value_of(s.add("boot", [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    return {[self](fail_atom) { self->quit(test_failure()); }};
  }));
  BOOST_REQUIRE(!s.start(5s));
  // A running supervisor: start_child waits and reports the start failure.
  child_spec cs;
  cs.id = "always";
  cs.start = always;
  auto r = s.start_child(cs, 5s);
  expect(r, errc::start_failed, "A.always");
  BOOST_CHECK(detail_of(r.error()).find("never starts 7") != std::string::npos);
  // add(): the throw is an ordinary failure (runnable_threw with what()), restarted.
  value_of(s.add("flaky", flaky));
  BOOST_REQUIRE(log.wait("failed", "A.flaky"));
  expect(log.last("failed").reason, errc::runnable_threw, "bad start 42");
  BOOST_REQUIRE(rec.wait_starts("A.flaky", 1));
  caf::anon_send(rec.actor("A.boot"), fail_atom::value);
  BOOST_CHECK(rec.wait_starts("A.boot", 2)); // still supervising
  BOOST_REQUIRE(!s.stop());
  BOOST_CHECK(!s.wait());
}

BOOST_AUTO_TEST_CASE(hook_throws) {
  std::vector<std::string> lines;
  auto opts = options();
  opts.on_event = [](const event&) { throw std::runtime_error("tree hook bug 9"); };
  opts.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  tree t{sys, probing_root(rec, [](context&) {}), opts};
  settle();
  still_restarts("root.c");
  BOOST_CHECK(std::find(lines.begin(), lines.end(), "supervisor: event hook threw: tree hook bug 9")
              != lines.end());
  stop(t);
}

BOOST_AUTO_TEST_CASE(hook_calls_back) {
  // Into the tree: wait() from the hook would never end: refused.
  std::optional<tree> t;
  std::vector<caf::error> from_tree_hook;
  auto opts = options();
  opts.on_event = [&](const event& e) {
    if (t && std::holds_alternative<child_failed>(e)) {
      from_tree_hook.push_back(t->wait());
      BOOST_CHECK(!t->stopped());
    }
  };
  t.emplace(sys, probing_root(rec, [](context&) {}), opts);
  settle();
  still_restarts("root.c");
  BOOST_REQUIRE_EQUAL(from_tree_hook.size(), 1u);
  expect(from_tree_hook[0], errc::would_deadlock, "tree::wait inside an event hook");
  stop(*t);
  // Into a supervisor: non-blocking calls work, blocking ones are refused.
  supervisor* self_ref = nullptr;
  std::vector<caf::error> from_hook;
  auto sp = quiet_spec();
  sp.on_event = [&](const event& e) {
    log.record(e);
    if (!self_ref || !std::holds_alternative<child_failed>(e))
      return;
    child_spec cs;
    cs.id = "spare";
    cs.start = rc(rec);
    auto r = self_ref->start_child(cs, 1s);
    from_hook.push_back(r ? caf::error{} : r.error());
    from_hook.push_back(self_ref->terminate_child("x"));
    from_hook.push_back(self_ref->restart_child("x", 1s));
    auto added = self_ref->add("spare2", rc(rec));
    from_hook.push_back(added ? caf::error{} : added.error());
  };
  supervisor s{sys, "A", sp};
  value_of(s.add("x", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  self_ref = &s;
  still_restarts("A.x");
  self_ref = nullptr;
  BOOST_REQUIRE_EQUAL(from_hook.size(), 4u);
  expect(from_hook[0], errc::would_deadlock, "start_child inside an event hook");
  expect(from_hook[1], errc::would_deadlock, "terminate_child inside an event hook");
  expect(from_hook[2], errc::would_deadlock, "restart_child inside an event hook");
  BOOST_CHECK(!from_hook[3]);
  BOOST_CHECK_EQUAL(rec.starts("A.spare2"), 1u);
  still_restarts("A.x");
  stop(s);
}

BOOST_AUTO_TEST_CASE(log_sink_throws) {
  // The default hook logs failures through the sink; runnables log too.
  size_t calls = 0;
  auto opts = options();
  opts.sink = [&](log_level, std::string_view, std::string_view) {
    ++calls;
    throw std::runtime_error("sink down");
  };
  auto chatty = [&](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    get_logger(ctx).info("hello from {}", ctx.dn()); // throws inside: swallowed
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
  tree t{sys, probing_root(rec, [&](context& ctx) { run(ctx, "chatty", chatty); }), opts};
  settle();
  still_restarts("root.c");
  still_restarts("root.chatty");
  still_restarts("root.chatty");
  BOOST_CHECK(calls >= 5u); // failures, restart lines and hellos all reached the sink
  stop(t);
  auto sp = quiet_spec();
  sp.on_event = nullptr; // the default hook: it logs each failure
  sp.sink = [&](log_level, std::string_view, std::string_view) {
    ++calls;
    throw 42; // not even a std::exception
  };
  supervisor s{sys, "L", sp};
  value_of(s.add("x", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  auto before = calls;
  still_restarts("L.x");
  still_restarts("L.x");
  BOOST_CHECK(calls > before);
  stop(s);
}

BOOST_AUTO_TEST_SUITE_END()
