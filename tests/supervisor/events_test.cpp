// The event hook of a supervisor: a hook may call back into its supervisor
// (blocking calls are refused, never deadlock), a throwing hook is logged and
// ignored, the start and stop events carry names, counts and text, healthy
// and giving up are events of their own, a give-up is never called a backoff,
// and a group restart names its cause once.
// Manual clock.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(supervisor_events, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(hook_calling_back_into_the_supervisor_never_deadlocks) {
  supervisor* sp_ptr = nullptr;
  std::vector<caf::error> from_hook;
  size_t listed = 0;
  auto sp = quiet_spec();
  sp.on_event = [&](const event& e) {
    log.record(e);
    if (!std::holds_alternative<child_failed>(e) || !sp_ptr)
      return;
    auto& s = *sp_ptr;
    auto token = s.add("spare", becomes_healthy(rec));
    from_hook.push_back(token ? caf::error{} : token.error());
    listed = s.services() ? s.services()->size() : 0;
    from_hook.push_back(s.remove_and_wait(*token, 1s)); // would block: refused
    from_hook.push_back(s.wait());
  };
  supervisor s{sys, "A", sp};
  sp_ptr = &s;
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_REQUIRE_EQUAL(from_hook.size(), 3u);
  BOOST_CHECK(!from_hook[0]);
  BOOST_CHECK_EQUAL(listed, 2u);
  BOOST_CHECK(from_hook[1] == errc::would_deadlock);
  BOOST_CHECK(from_hook[2] == errc::would_deadlock);
  BOOST_CHECK_EQUAL(rec.starts("A.spare"), 1u);
  sp_ptr = nullptr;
  stop(s);
}

BOOST_AUTO_TEST_CASE(a_throwing_hook_is_logged_and_ignored) {
  std::vector<std::string> lines;
  auto sp = quiet_spec();
  sp.on_event = [](const event&) { throw std::runtime_error("hook bug"); };
  sp.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  supervisor s{sys, "A", sp};
  value_of(s.add("one", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("A.one", fail_atom::value);
  BOOST_CHECK_EQUAL(rec.starts("A.one"), 2u); // supervision carried on
  BOOST_CHECK(std::find(lines.begin(), lines.end(), "supervisor: event hook threw: hook bug")
              != lines.end());
  stop(s);
}

BOOST_AUTO_TEST_CASE(child_start_and_stop_events_carry_names_and_counts) {
  supervisor s{sys, "A", quiet_spec()};
  auto token = value_of(s.add("svc", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  auto started = log.last("started");
  BOOST_CHECK_EQUAL(started.supervisor, "A");
  BOOST_CHECK_EQUAL(started.child, "A.svc");
  BOOST_CHECK_EQUAL(started.threshold, 5.0);
  BOOST_CHECK_EQUAL(started.text, "A: child A.svc started (incarnation 1)");
  BOOST_REQUIRE(!s.remove(token));
  settle();
  auto stopped = log.last("stopped");
  BOOST_CHECK(stopped.state == node_state::canceled);
  BOOST_CHECK(stopped.removed);
  BOOST_CHECK_EQUAL(stopped.text, "A: child A.svc stopped: CANCELED, removed (exit::user_shutdown)");
  stop(s);
}

BOOST_AUTO_TEST_CASE(healthy_is_an_event) {
  supervisor s{sys, "S", quiet_spec()};
  value_of(s.add("c", becomes_healthy(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_REQUIRE_EQUAL(log.count("healthy", "S.c"), 1u);
  BOOST_CHECK_EQUAL(log.last("healthy").text, "S: child S.c healthy (incarnation 1)");
  stop(s);
}

// Past its intensity the supervisor gives up: the failure says "not
// restarted" (never "held by backoff"), then supervisor_gave_up names the
// intensity, the window and the failure; the default hook logs it as an error.
BOOST_AUTO_TEST_CASE(giving_up_is_an_event_and_never_a_backoff) {
  auto sp = quiet_spec();
  sp.restart_intensity = intensity{0, 5s};
  supervisor s{sys, "S", sp};
  value_of(s.add("c", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.c", fail_atom::value);
  BOOST_REQUIRE(s.stopped());
  BOOST_REQUIRE_EQUAL(log.count("gave_up"), 1u);
  auto failed = log.last("failed");
  BOOST_CHECK(!failed.restarting);
  BOOST_CHECK(failed.text.find("not restarted") != std::string::npos);
  BOOST_CHECK(failed.text.find("backoff") == std::string::npos);
  BOOST_CHECK_EQUAL(log.last("gave_up").text,
                    "S: giving up: more than 0 restarts within 5000.0 ms, the last S.c failed: "
                    "system::runtime_error");
  supervisor_gave_up ev;
  ev.supervisor = "S";
  BOOST_CHECK(level_of(event{ev}) == log_level::error);
}

// One line names a group restart's members and its cause.
BOOST_AUTO_TEST_CASE(a_group_restart_names_its_cause_once) {
  std::vector<std::string> lines;
  auto sp = quiet_spec();
  sp.strategy = strategy::one_for_all;
  sp.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    lines.push_back(std::string{dn} + ": " + std::string{msg});
  };
  supervisor s{sys, "S", sp};
  for (auto id : {"c1", "c2", "c3"})
    value_of(s.add(id, rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.c2", fail_atom::value);
  auto group_lines = std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("restarting group") != std::string::npos;
  });
  BOOST_CHECK_EQUAL(group_lines, 1);
  BOOST_CHECK(std::find(lines.begin(), lines.end(),
                        "S: restarting group {c1, c2, c3} because S.c2 failed: system::runtime_error")
              != lines.end());
  stop(s);
}

BOOST_AUTO_TEST_SUITE_END()
