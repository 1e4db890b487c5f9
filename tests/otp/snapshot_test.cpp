// What snapshot() shows beyond state and restarts, taken inside the
// engines: a tree node's backoff countdown and last exit, a supervisor's
// failure accounting (merged into the row of the node hosting it), a service
// held by the supervisor's pause; the same from another thread on a real
// scheduler, from inside an observer, and from an actor (async). And the
// observers attached once at the top: they see nested supervisors, are
// called once when listed twice, are checked, and a throwing one is logged.

#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "supervise/errc.hpp"
#include "supervise/names.hpp"
#include "supervise/observer.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "otp_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

const node_info& snapshot_row(const std::vector<node_info>& xs, const std::string& dn) {
  for (auto& x : xs)
    if (x.dn == dn)
      return x;
  BOOST_FAIL("no row " + dn);
  return xs.front();
}

std::vector<std::string> snapshot_dns(const std::vector<node_info>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs)
    out.push_back(x.dn);
  return out;
}

// Counts what it sees, per DN; thread-safe.
struct counting_observer : observer {
  std::mutex mtx;
  std::map<std::string, int> failed;
  std::map<std::string, int> states;
  void on_event(const event& ev) override {
    if (auto* f = std::get_if<child_failed>(&ev)) {
      std::lock_guard<std::mutex> guard{mtx};
      ++failed[std::string{f->child}];
    }
  }
  void on_state(const std::string& dn, node_state) override {
    std::lock_guard<std::mutex> guard{mtx};
    ++states[dn];
  }
  int failures_of(const std::string& dn) {
    std::lock_guard<std::mutex> guard{mtx};
    return failed[dn];
  }
};

// A root that runs one child `name` with runnable `r`.
runnable one_child_root(std::string name, runnable r) {
  return [name, r](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, name, r);
    signal(ctx, signal_type::healthy);
    return {[](ping_atom) {}};
  };
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(otp_snapshot, manual_supervisor_fixture)

BOOST_AUTO_TEST_CASE(a_tree_node_in_its_backoff_shows_the_time_left_and_its_last_exit) {
  tree t{sys, one_child_root("w", rc(rec)), options()};
  settle();
  auto before = snapshot_row(snapshot(sys, "root"), "root.w");
  BOOST_CHECK_EQUAL(before.incarnation, 1u);
  BOOST_CHECK(before.last_exit.empty());
  BOOST_CHECK(!before.restart_in);
  send("root.w", fail_atom::value);
  advance(200ms); // its first backoff is 500 ms (no jitter)
  auto waiting = snapshot_row(snapshot(sys, "root"), "root.w");
  BOOST_CHECK(waiting.state == node_state::dead); // as published, not the NEW it was reset to
  BOOST_REQUIRE(waiting.restart_in);
  BOOST_CHECK(*waiting.restart_in == 300ms);
  BOOST_CHECK_EQUAL(waiting.last_exit, render(test_failure()));
  BOOST_CHECK_EQUAL(waiting.actor, 0u);
  BOOST_CHECK(!waiting.accounting); // a tree node: no supervisor accounting
  advance(300ms);
  auto again = snapshot_row(snapshot(sys, "root"), "root.w");
  BOOST_CHECK_EQUAL(again.incarnation, 2u);
  BOOST_CHECK_EQUAL(again.restarts, 1u);
  BOOST_CHECK(!again.restart_in);
  BOOST_CHECK_NE(again.actor, 0u);
  BOOST_CHECK_EQUAL(again.last_exit, render(test_failure())); // kept: why it restarted
  auto text = render_text(snapshot(sys, "root"));
  BOOST_CHECK(text.find("last exit: system::runtime_error") != std::string::npos);
  manual_fixture::stop(t);
}

BOOST_AUTO_TEST_CASE(a_supervisor_shows_its_accounting_in_its_hosts_row) {
  auto sp = quiet_spec();
  sp.failure_threshold = 2;
  sp.failure_decay = 10s;
  sp.restart_intensity = intensity{5, 60s};
  supervisor api{sys, "api", sp};
  value_of(api.add("db", rc(rec)));
  value_of(api.add("cache", rc(rec)));
  tree t{sys, one_child_root("api", api.as_runnable()), options()};
  settle();
  send("root.api.db", fail_atom::value);
  send("root.api.db", fail_atom::value);
  advance(10s); // one half-life
  auto nodes = snapshot(sys, "root");
  BOOST_CHECK(snapshot_dns(nodes)
              == (std::vector<std::string>{"root", "root.api", "root.api.db", "root.api.cache"}));
  auto& host = snapshot_row(nodes, "root.api");
  BOOST_REQUIRE(host.accounting);
  BOOST_CHECK_CLOSE(host.accounting->failures, 1.0, 1e-6); // 2, halved once
  BOOST_CHECK_EQUAL(host.accounting->threshold, 2.0);
  BOOST_CHECK(host.accounting->decay == 10s);
  BOOST_CHECK(!host.accounting->paused);
  BOOST_REQUIRE(host.accounting->max_restarts);
  BOOST_CHECK_EQUAL(*host.accounting->max_restarts, 5u);
  BOOST_CHECK_EQUAL(host.accounting->restarts_in_period, 2u);
  BOOST_CHECK(host.accounting->period == 60s);
  BOOST_CHECK_EQUAL(host.depth, 1);
  BOOST_CHECK_NE(host.actor, 0u); // the host's own row: the supervisor runs
  BOOST_CHECK_EQUAL(snapshot_row(nodes, "root.api.db").incarnation, 3u);
  BOOST_CHECK(!snapshot_row(nodes, "root.api.db").accounting);
  // Asked for the supervisor alone: its host still gives the row.
  auto sub = snapshot(sys, "root.api");
  BOOST_CHECK(snapshot_dns(sub)
              == (std::vector<std::string>{"root.api", "root.api.db", "root.api.cache"}));
  BOOST_CHECK(sub.front().accounting && sub.front().depth == 0);
  advance(61s);
  BOOST_CHECK_EQUAL(snapshot_row(snapshot(sys, "root"), "root.api").accounting->restarts_in_period, 0u);
  manual_fixture::stop(t);
}

BOOST_AUTO_TEST_CASE(a_service_held_by_the_pause_shows_the_time_left) {
  auto sp = quiet_spec();
  sp.failure_threshold = 0.5;
  sp.failure_backoff = 1s;
  supervisor s{sys, "S", sp};
  value_of(s.add("db", rc(rec)));
  BOOST_REQUIRE(!s.start());
  settle();
  send("S.db", fail_atom::value);
  advance(400ms);
  auto nodes = snapshot(sys, "S");
  BOOST_REQUIRE(snapshot_row(nodes, "S").accounting);
  BOOST_CHECK(snapshot_row(nodes, "S").accounting->paused);
  BOOST_REQUIRE(snapshot_row(nodes, "S.db").restart_in);
  BOOST_CHECK(*snapshot_row(nodes, "S.db").restart_in == 600ms);
  advance(600ms);
  BOOST_CHECK(!snapshot_row(snapshot(sys, "S"), "S.db").restart_in);
  BOOST_CHECK(!snapshot_row(snapshot(sys, "S"), "S").accounting->paused);
  stop(s);
}

BOOST_AUTO_TEST_CASE(observers_at_the_top_see_nested_supervisors_once) {
  auto o = std::make_shared<counting_observer>();
  auto sp = quiet_spec();
  sp.observers = {o}; // listed here too: still called once
  supervisor api{sys, "api", sp};
  value_of(api.add("db", rc(rec)));
  auto opts = options();
  opts.observers = {o};
  tree t{sys, one_child_root("api", api.as_runnable()), opts};
  settle();
  send("root.api.db", fail_atom::value);
  BOOST_CHECK_EQUAL(o->failures_of("root.api.db"), 1);
  {
    std::lock_guard<std::mutex> guard{o->mtx};
    BOOST_CHECK(o->states["root.api.db"] >= 3); // NEW, DEAD, NEW again
    BOOST_CHECK(o->states["root.api"] >= 1);
  }
  manual_fixture::stop(t);
}

BOOST_AUTO_TEST_CASE(a_null_observer_is_refused_by_name) {
  auto opts = options();
  opts.observers = {std::make_shared<counting_observer>(), nullptr};
  auto err = opts.validate();
  BOOST_REQUIRE(err);
  BOOST_CHECK(err == errc::invalid_option);
  BOOST_CHECK(render(err).find("observers[1] = null") != std::string::npos);
  auto sp = quiet_spec();
  sp.observers = {nullptr};
  BOOST_CHECK(render(sp.validate()).find("observers[0] = null") != std::string::npos);
  BOOST_CHECK_THROW((tree{sys, one_child_root("w", rc(rec)), opts}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_throwing_observer_is_logged_and_the_tree_goes_on) {
  struct throwing : observer {
    void on_event(const event&) override { throw std::runtime_error("observer bug"); }
  };
  auto lines = std::make_shared<std::vector<std::string>>();
  auto opts = options();
  opts.observers = {std::make_shared<throwing>()};
  opts.sink = [lines](log_level, std::string_view, std::string_view text) {
    lines->emplace_back(text);
  };
  tree t{sys, one_child_root("w", rc(rec)), opts};
  settle();
  send("root.w", fail_atom::value);
  advance(500ms);
  BOOST_CHECK_EQUAL(rec.starts("root.w"), 2u); // restarted all the same
  bool logged = false;
  for (auto& l : *lines)
    logged = logged || l.find("observer threw: observer bug") != std::string::npos;
  BOOST_CHECK(logged);
  manual_fixture::stop(t);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(otp_snapshot_real, real_supervisor_fixture)

BOOST_AUTO_TEST_CASE(a_snapshot_asks_each_engine_from_any_thread) {
  supervisor api{sys, "api", quiet_spec()};
  value_of(api.add("db", becomes_healthy(rec)));
  tree t{sys, one_child_root("api", api.as_runnable()), options()};
  BOOST_REQUIRE(rec.wait("root.api.db", node_state::healthy));
  auto nodes = snapshot(sys, "root");
  BOOST_CHECK(snapshot_dns(nodes) == (std::vector<std::string>{"root", "root.api", "root.api.db"}));
  BOOST_CHECK(snapshot_row(nodes, "root.api").accounting);
  BOOST_CHECK(snapshot_row(nodes, "root.api.db").state == node_state::healthy);
  BOOST_CHECK(snapshot(sys, "nothing").empty());
  t.stop();
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_CASE(an_observer_may_take_a_snapshot_of_its_own_engine) {
  // Called on the engine's thread: the engine describes itself in place;
  // asked by message it could not answer (it waits for the observer), and
  // its nodes would be left out after the bound.
  struct snapshotting : observer {
    caf::actor_system* sys = nullptr;
    std::mutex mtx;
    std::vector<node_info> seen;
    std::atomic<bool> taken{false};
    void on_event(const event& ev) override {
      if (!std::holds_alternative<child_failed>(ev) || taken)
        return;
      auto xs = snapshot(*sys, "root", 2s);
      std::lock_guard<std::mutex> guard{mtx};
      seen = std::move(xs);
      taken = true;
    }
  };
  auto o = std::make_shared<snapshotting>();
  o->sys = &sys;
  auto opts = options();
  opts.observers = {o};
  opts.backoff.initial = 0ns;
  tree t{sys, one_child_root("w", becomes_healthy(rec)), opts};
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy));
  caf::anon_send(rec.actor("root.w"), fail_atom::value);
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy, 2));
  BOOST_REQUIRE(o->taken);
  std::lock_guard<std::mutex> guard{o->mtx};
  BOOST_CHECK(snapshot_dns(o->seen) == (std::vector<std::string>{"root", "root.w"}));
  t.stop();
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_CASE(an_actor_takes_a_snapshot_without_blocking) {
  tree t{sys, one_child_root("w", becomes_healthy(rec)), options()};
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy));
  caf::scoped_actor me{sys};
  caf::actor to = me;
  sys.spawn([to](caf::event_based_actor* self, int) {
    snapshot(self, "root", [self, to](std::vector<node_info> xs) {
      self->send(to, xs.size(), xs.empty() ? std::string{} : xs.back().dn);
      self->quit();
    });
  }, 0);
  me->receive(
    [](size_t n, const std::string& last) {
      BOOST_CHECK_EQUAL(n, 2u);
      BOOST_CHECK_EQUAL(last, "root.w");
    },
    caf::after(10s) >> [] { BOOST_FAIL("no snapshot within 10 s"); });
  t.stop();
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_SUITE_END()
