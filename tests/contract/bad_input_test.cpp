// Bad input, calls: one case per kind of bad call into a tree or a
// supervisor (invalid or duplicate names, run() after healthy, signals out of
// order, stale contexts, unknown or foreign tokens, removing twice, calls
// after stop, empty runnables) and per kind of misbehaving user code (a
// throwing start function, event hook or log sink, a hook calling back).
// Each asserts the error code, that the message names the bad value, and
// that the tree or supervisor keeps working afterwards (a child still
// restarts). The bad options are in bad_input_options_test.cpp (same suite).
// Manual clock unless a blocking call needs real time.

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
  expect(s.start_child(cs, 0s), errc::already_started, "A.x"); // OTP's error for a running id
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
  auto child = keeps_first_context(rec, first);
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
      auto bounded = t->wait_for(std::chrono::seconds(1)); // would hold the engine, then time out
      BOOST_REQUIRE(bounded);
      from_tree_hook.push_back(*bounded);
      BOOST_CHECK(!t->stopped());
    }
  };
  t.emplace(sys, probing_root(rec, [](context&) {}), opts);
  settle();
  still_restarts("root.c");
  BOOST_REQUIRE_EQUAL(from_tree_hook.size(), 2u);
  expect(from_tree_hook[0], errc::would_deadlock, "tree::wait inside an event hook");
  expect(from_tree_hook[1], errc::would_deadlock, "tree::wait_for inside an event hook");
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
