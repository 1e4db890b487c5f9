// Stable names and introspection: whereis() and watch_name() follow a child
// across a restart, a child waiting out its backoff is not running under its
// name, the tree's snapshot as text and as dot, and every actor system keeps
// its own name table (a new one starts empty, live ones stay apart). Manual
// clock.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <atomic>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "supervise/errc.hpp"
#include "supervise/names.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "otp_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

// A manual-clock actor system besides the fixture's.
struct own_system {
  manual_config cfg;
  caf::actor_system sys{cfg};

  void settle() { dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler()).run(); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(otp_names, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(name_lookup_across_a_restart) {
  supervisor s{sys, "S", quiet_spec()};
  value_of(s.add("db", rc(rec)));
  BOOST_CHECK(whereis(sys, "S.db").error() == errc::unknown_child);
  BOOST_REQUIRE(!s.start());
  settle();
  auto first = value_of(whereis(sys, "S.db"));
  BOOST_CHECK(first == rec.actor("S.db"));
  // Told about every change: the current actor at once, then each restart.
  caf::scoped_actor watcher{sys};
  watch_name(sys, "S.db", watcher);
  send("S.db", fail_atom::value);
  auto second = value_of(whereis(sys, "S.db"));
  BOOST_CHECK(second != first);
  BOOST_CHECK(second == rec.actor("S.db"));
  std::vector<caf::actor> seen;
  for (int i = 0; i < 3; ++i)
    watcher->receive(
      [&](name_changed_atom, const std::string& dn, const caf::actor& a) {
        BOOST_CHECK_EQUAL(dn, "S.db");
        seen.push_back(a);
      },
      caf::after(0s) >> [] {});
  BOOST_REQUIRE_EQUAL(seen.size(), 3u);
  BOOST_CHECK(seen[0] == first);
  BOOST_CHECK(!seen[1]); // down
  BOOST_CHECK(seen[2] == second);
  unwatch_name(sys, "S.db", watcher);
  stop(s);
  BOOST_CHECK(whereis(sys, "S.db").error() == errc::unknown_child);
}

BOOST_AUTO_TEST_CASE(not_running_while_waiting_for_backoff) {
  auto sp = quiet_spec();
  sp.failure_threshold = 0.5;
  sp.failure_backoff = 1s;
  supervisor s{sys, "S", sp};
  value_of(s.add("db", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.db", fail_atom::value);
  BOOST_CHECK(whereis(sys, "S.db").error() == errc::not_running);
  advance(1s);
  BOOST_CHECK(whereis(sys, "S.db"));
  stop(s);
}

BOOST_AUTO_TEST_CASE(snapshot_as_text_and_dot) {
  supervisor api{sys, "api", quiet_spec()};
  value_of(api.add("db", rc(rec, true)));
  value_of(api.add("cache", becomes_healthy(rec)));
  tree t{sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "api", api.as_runnable());
           run(ctx, "web", becomes_healthy(rec));
           signal(ctx, signal_type::healthy);
           return {[](ping_atom) {}};
         },
         options()};
  settle();
  send("root.api.db", fail_atom::value);
  advance(2s);
  auto nodes = snapshot(sys, "root");
  std::vector<std::string> dns;
  for (auto& n : nodes)
    dns.push_back(n.dn);
  BOOST_CHECK(dns
              == (std::vector<std::string>{"root", "root.api", "root.api.db", "root.api.cache",
                                           "root.web"}));
  BOOST_CHECK_EQUAL(nodes[2].restarts, 1u);
  BOOST_CHECK(nodes[2].state == node_state::healthy);
  BOOST_CHECK(nodes[2].uptime == 2s);
  BOOST_CHECK_EQUAL(nodes[2].depth, 2);
  auto text = render_text(nodes);
  BOOST_TEST_MESSAGE(text);
  BOOST_CHECK(text.find("    db ") != std::string::npos);
  BOOST_CHECK(text.find("restarts=1") != std::string::npos);
  auto dot = render_dot(nodes);
  BOOST_CHECK(dot.find("\"root.api\" -> \"root.api.db\"") != std::string::npos);
  BOOST_CHECK(dot.rfind("digraph", 0) == 0);
  t.stop();
  settle();
}

BOOST_AUTO_TEST_CASE(a_new_actor_system_starts_with_no_names) {
  std::optional<own_system> other; // emplaced twice: both systems at one address
  other.emplace();
  auto* first = &other->sys;
  caf::actor_addr old_watcher;
  {
    recorder r;
    event_log l;
    supervisor s{other->sys, "S", test_spec(l, r)};
    value_of(s.add("db", rc(r)));
    BOOST_REQUIRE(!s.start());
    other->settle();
    BOOST_REQUIRE(whereis(other->sys, "S.db"));
    caf::scoped_actor watcher{other->sys};
    watch_name(other->sys, "S.db", watcher); // left watching on purpose
    old_watcher = watcher->address();
    s.stop();
    other->settle();
  }
  other.reset();
  // The table went with its system: nothing holds the old watcher any more.
  BOOST_CHECK(!caf::actor_cast<caf::strong_actor_ptr>(old_watcher));
  other.emplace();
  BOOST_REQUIRE(&other->sys == first);
  BOOST_CHECK(whereis(other->sys, "S.db").error() == errc::unknown_child);
  BOOST_CHECK(snapshot(other->sys, "S").empty());
  recorder r;
  event_log l;
  supervisor s{other->sys, "S", test_spec(l, r)};
  value_of(s.add("db", rc(r)));
  BOOST_REQUIRE(!s.start());
  other->settle();
  BOOST_CHECK(value_of(whereis(other->sys, "S.db")) == r.actor("S.db"));
  auto nodes = snapshot(other->sys, "S");
  BOOST_REQUIRE_EQUAL(nodes.size(), 2u);
  BOOST_CHECK_EQUAL(nodes[1].dn, "S.db");
  BOOST_CHECK_EQUAL(nodes[1].restarts, 0u);
  s.stop();
  other->settle();
}

BOOST_AUTO_TEST_CASE(live_actor_systems_keep_their_names_apart) {
  own_system other;
  supervisor a{sys, "S", quiet_spec()};
  value_of(a.add("db", rc(rec)));
  BOOST_REQUIRE(!a.start());
  settle();
  caf::scoped_actor watcher{other.sys};
  watch_name(other.sys, "S.db", watcher);
  BOOST_CHECK(whereis(other.sys, "S.db").error() == errc::unknown_child);
  BOOST_CHECK(snapshot(other.sys, "S").empty());
  send("S.db", fail_atom::value); // a restart in sys: nothing for other's watcher
  auto changes = [&] {
    std::vector<caf::actor> seen;
    for (bool more = true; more;)
      watcher->receive(
        [&](name_changed_atom, const std::string& dn, const caf::actor& x) {
          BOOST_CHECK_EQUAL(dn, "S.db");
          seen.push_back(x);
        },
        caf::after(0s) >> [&] { more = false; });
    return seen;
  };
  BOOST_CHECK(changes().empty());
  {
    recorder r;
    event_log l;
    supervisor b{other.sys, "S", test_spec(l, r)};
    value_of(b.add("db", rc(r)));
    BOOST_REQUIRE(!b.start());
    other.settle();
    auto mine = value_of(whereis(other.sys, "S.db"));
    BOOST_CHECK(mine == r.actor("S.db"));
    // Not by ==: handles compare by node and actor id, alike in twin systems.
    auto theirs = value_of(whereis(sys, "S.db"));
    BOOST_CHECK(caf::actor_cast<caf::abstract_actor*>(mine)
                != caf::actor_cast<caf::abstract_actor*>(theirs));
    BOOST_CHECK(changes() == std::vector<caf::actor>{mine});
    BOOST_CHECK_EQUAL(snapshot(sys, "S").size(), 2u);
    BOOST_CHECK_EQUAL(snapshot(other.sys, "S").size(), 2u);
    b.stop();
    other.settle();
  }
  BOOST_CHECK(whereis(other.sys, "S.db").error() == errc::unknown_child);
  BOOST_CHECK(whereis(sys, "S.db")); // stopping other's S left sys's alone
  unwatch_name(other.sys, "S.db", watcher);
  stop(a);
}

BOOST_AUTO_TEST_CASE(a_stand_in_names_another_actor_and_says_where_it_runs) {
  // The first incarnation of "proxy" stands in for an actor that runs
  // elsewhere (as a remote child's stub does); the second does not.
  auto elsewhere = sys.spawn([](int) -> caf::behavior { return {[](int x) { return x; }}; }, 0);
  auto first_ctx = std::make_shared<std::optional<context>>();
  auto stand_in = std::make_shared<caf::actor>();
  supervisor s{sys, "S", quiet_spec()};
  value_of(s.add("proxy", [=](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    if (!*first_ctx) {
      *first_ctx = ctx;
      *stand_in = caf::actor_cast<caf::actor>(self);
      BOOST_CHECK(!set_location(ctx, "n1 epoch 7"));
      BOOST_CHECK(!set_named_actor(ctx, elsewhere));
    }
    return {[self](fail_atom) { self->quit(test_failure()); }};
  }));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_CHECK(value_of(whereis(sys, "S.proxy")) == elsewhere);
  auto nodes = snapshot(sys, "S");
  BOOST_REQUIRE_EQUAL(nodes.size(), 2u);
  BOOST_CHECK_EQUAL(nodes[1].location, "n1 epoch 7");
  BOOST_CHECK(render_text(nodes).find("at n1 epoch 7") != std::string::npos);
  BOOST_CHECK(set_named_actor(**first_ctx, caf::actor{}) == errc::invalid_option);
  // Its exit ends both: the next incarnation is reached as itself, runs here.
  caf::anon_send(*stand_in, fail_atom::value);
  settle();
  auto now = value_of(whereis(sys, "S.proxy"));
  BOOST_CHECK(now != elsewhere);
  BOOST_CHECK(snapshot(sys, "S")[1].location.empty());
  BOOST_CHECK(set_location(**first_ctx, "stale") == errc::stale_context);
  BOOST_CHECK(set_named_actor(**first_ctx, elsewhere) == errc::stale_context);
  *stand_in = nullptr;
  stop(s);
  caf::anon_send_exit(elsewhere, caf::exit_reason::user_shutdown);
  settle();
}

BOOST_AUTO_TEST_CASE(a_location_that_changes_is_asked_at_each_snapshot) {
  // A remote child's location says how long ago its lease was renewed: the
  // text is computed when a snapshot is taken, not when it was set.
  auto asked = std::make_shared<std::atomic<int>>(0);
  auto ctx_of = std::make_shared<std::optional<context>>();
  supervisor s{sys, "S", quiet_spec()};
  value_of(s.add("proxy", [=](caf::event_based_actor*, context& ctx) -> caf::behavior {
    *ctx_of = ctx;
    BOOST_CHECK(!set_location(ctx, [asked] { return fmt::format("n1, asked {}", ++*asked); }));
    return {[](int x) { return x; }};
  }));
  BOOST_REQUIRE(!s.start());
  settle();
  BOOST_CHECK_EQUAL(snapshot(sys, "S")[1].location, "n1, asked 1");
  BOOST_CHECK_EQUAL(snapshot(sys, "S")[1].location, "n1, asked 2");
  BOOST_CHECK(render_text(snapshot(sys, "S")).find("at n1, asked 3") != std::string::npos);
  BOOST_CHECK(set_location(**ctx_of, std::function<std::string()>{}) == errc::invalid_option);
  BOOST_CHECK_EQUAL(snapshot(sys, "S")[1].location, "n1, asked 4"); // unchanged by the refusal
  BOOST_CHECK(!set_location(**ctx_of, []() -> std::string { throw std::runtime_error("x"); }));
  BOOST_CHECK_EQUAL(snapshot(sys, "S")[1].location, "?");
  stop(s);
  settle();
}

BOOST_AUTO_TEST_SUITE_END()
