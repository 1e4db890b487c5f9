// Metrics: counters fed by hand (exact Prometheus text with a fake clock),
// then by a real tree and a hosted supervisor on the manual clock, through
// hooks and as the tree's one observer. The suite is named metrics, so the
// class is spelled supervise::metrics here.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>

#include "supervise/errc.hpp"
#include "supervise/metrics.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "tree_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

// A clock the test moves by hand.
struct fake_clock {
  std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};
  metrics::clock_fn fn() {
    return [this] { return now; };
  }
};

child_started started(std::string_view dn, uint64_t inc) {
  child_started e;
  e.child = dn;
  e.incarnation = inc;
  return e;
}

child_failed failed(std::string_view dn, caf::error reason) {
  child_failed e;
  e.child = dn;
  e.reason = std::move(reason);
  return e;
}

const node_metrics* find(const metrics_snapshot& s, const std::string& dn) {
  for (auto& n : s)
    if (n.dn == dn)
      return &n;
  return nullptr;
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(failure_kinds) {
  BOOST_CHECK(classify_failure(caf::sec::runtime_error) == failure_kind::error);
  BOOST_CHECK(classify_failure(make_error(errc::runnable_threw, "boom"))
              == failure_kind::exception);
  BOOST_CHECK(classify_failure(make_error(errc::returned_without_done, "root.a"))
              == failure_kind::returned_without_done);
  BOOST_CHECK(classify_failure(caf::exit_reason::kill) == failure_kind::killed);
  BOOST_CHECK(classify_failure(errc::terminate_tree) == failure_kind::error);
}

BOOST_AUTO_TEST_CASE(counters_and_exact_prometheus_text) {
  fake_clock clk;
  supervise::metrics m{clk.fn()};
  std::vector<std::string> forwarded;
  auto on_state = m.on_state_hook(
    [&](const std::string& dn, node_state s) { forwarded.push_back(dn + " " + to_string(s)); });
  auto on_event = m.event_hook();
  on_event(started("root", 1));
  on_state("root", node_state::new_);
  on_state("root", node_state::healthy);
  on_event(started("root.db", 1));
  on_state("root.db", node_state::new_);
  clk.now += 1s;
  on_event(failed("root.db", caf::sec::runtime_error));
  on_state("root.db", node_state::dead);
  clk.now += 500ms;
  on_event(started("root.db", 2));
  on_event(failed("root.db", make_error(errc::runnable_threw, "boom")));
  on_event(started("root.db", 3));
  on_state("root.db", node_state::healthy);
  clk.now += 250ms;
  BOOST_CHECK_EQUAL(forwarded.size(), 5u);
  auto snap = m.snapshot();
  BOOST_REQUIRE_EQUAL(snap.size(), 2u);
  auto* db = find(snap, "root.db");
  BOOST_REQUIRE(db != nullptr);
  BOOST_CHECK_EQUAL(db->starts, 3u);
  BOOST_CHECK_EQUAL(db->restarts, 2u);
  BOOST_CHECK_EQUAL(db->failures_of(failure_kind::error), 1u);
  BOOST_CHECK_EQUAL(db->failures_of(failure_kind::exception), 1u);
  BOOST_CHECK_EQUAL(db->failures_total(), 2u);
  BOOST_CHECK(db->state == node_state::healthy);
  BOOST_CHECK(db->time_in_state == 250ms);
  BOOST_CHECK_EQUAL(fmt::format("{}", *db),
                    "root.db HEALTHY starts=3 restarts=2 failures=2 (error=1 exception=1 "
                    "returned_without_done=0 killed=0) in state 0.250s");
  BOOST_CHECK_EQUAL(to_prometheus(snap),
                    R"(# HELP supervise_starts_total Incarnations started per node.
# TYPE supervise_starts_total counter
supervise_starts_total{dn="root"} 1
supervise_starts_total{dn="root.db"} 3
# HELP supervise_restarts_total Starts after the first per node.
# TYPE supervise_restarts_total counter
supervise_restarts_total{dn="root"} 0
supervise_restarts_total{dn="root.db"} 2
# HELP supervise_failures_total Failures per node and kind.
# TYPE supervise_failures_total counter
supervise_failures_total{dn="root",kind="error"} 0
supervise_failures_total{dn="root",kind="exception"} 0
supervise_failures_total{dn="root",kind="returned_without_done"} 0
supervise_failures_total{dn="root",kind="killed"} 0
supervise_failures_total{dn="root.db",kind="error"} 1
supervise_failures_total{dn="root.db",kind="exception"} 1
supervise_failures_total{dn="root.db",kind="returned_without_done"} 0
supervise_failures_total{dn="root.db",kind="killed"} 0
# HELP supervise_state Current state of the node (1 = current).
# TYPE supervise_state gauge
supervise_state{dn="root",state="NEW"} 0
supervise_state{dn="root",state="HEALTHY"} 1
supervise_state{dn="root",state="DEAD"} 0
supervise_state{dn="root",state="DONE"} 0
supervise_state{dn="root",state="CANCELED"} 0
supervise_state{dn="root.db",state="NEW"} 0
supervise_state{dn="root.db",state="HEALTHY"} 1
supervise_state{dn="root.db",state="DEAD"} 0
supervise_state{dn="root.db",state="DONE"} 0
supervise_state{dn="root.db",state="CANCELED"} 0
# HELP supervise_state_seconds Seconds since the node entered its state.
# TYPE supervise_state_seconds gauge
supervise_state_seconds{dn="root"} 1.75
supervise_state_seconds{dn="root.db"} 0.25
)");
  m.clear();
  BOOST_CHECK(m.snapshot().empty());
}

BOOST_AUTO_TEST_CASE(label_escaping) {
  BOOST_CHECK_EQUAL(escape_label_value(R"(a\b"c)"
                                       "\n"
                                       "d"),
                    R"(a\\b\"c\nd)");
  node_metrics n;
  n.dn = "x\"y";
  auto text = to_prometheus({n});
  BOOST_CHECK(text.find(R"(supervise_starts_total{dn="x\"y"} 0)") != std::string::npos);
  // No state known: no state families for it.
  BOOST_CHECK(text.find("supervise_state{") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(repeated_state_keeps_its_entry_time) {
  fake_clock clk;
  supervise::metrics m{clk.fn()};
  m.record("root", node_state::healthy);
  clk.now += 2s;
  m.record("root", node_state::healthy);
  clk.now += 1s;
  BOOST_CHECK(m.snapshot().at(0).time_in_state == 3s);
}

BOOST_FIXTURE_TEST_CASE(fed_by_a_tree_and_a_hosted_supervisor, manual_fixture) {
  supervise::metrics m;
  spec sp;
  sp.sink = [](log_level, std::string_view, std::string_view) {};
  sp.backoff_jitter = 0;
  sp.on_state = m.on_state_hook();
  supervisor svc{sys, "svc", sp};
  svc.add("worker", rc(rec, true));
  auto opts = options();
  opts.on_state = m.on_state_hook(rec.hook());
  opts.on_event = m.event_hook();
  tree t{sys,
         [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "a", rc(rec, true));
           run(ctx, "svc", svc.as_runnable());
           signal(ctx, signal_type::healthy);
           return {[](ping_atom) {}};
         },
         opts};
  settle();
  send("root.a", fail_atom::value);
  advance(500ms); // the backoff
  send("root.a", throw_atom::value);
  advance(750ms);
  send("root.svc.worker", quit_atom::value); // returned without done: restarted
  auto snap = m.snapshot();
  auto* a = find(snap, "root.a");
  BOOST_REQUIRE(a != nullptr);
  BOOST_CHECK_EQUAL(a->starts, 3u);
  BOOST_CHECK_EQUAL(a->restarts, 2u);
  BOOST_CHECK_EQUAL(a->failures_of(failure_kind::error), 1u);
  BOOST_CHECK_EQUAL(a->failures_of(failure_kind::exception), 1u);
  BOOST_CHECK(a->state == node_state::healthy);
  auto* w = find(snap, "root.svc.worker");
  BOOST_REQUIRE(w != nullptr);
  BOOST_CHECK_EQUAL(w->starts, 2u); // the tree's hook reaches the hosted supervisor
  BOOST_CHECK_EQUAL(w->failures_of(failure_kind::returned_without_done), 1u);
  BOOST_CHECK(w->state == node_state::healthy);
  auto* root = find(snap, "root");
  BOOST_REQUIRE(root != nullptr);
  BOOST_CHECK(root->state == node_state::healthy);
  stop(t);
  BOOST_CHECK(t.stopped());
  BOOST_CHECK(m.snapshot().size() >= 4u);
}

BOOST_FIXTURE_TEST_CASE(one_observer_on_the_tree_sees_a_nested_supervisor, manual_fixture) {
  // Observers only: no on_state or on_event anywhere, yet the hosted
  // supervisor's child is counted, its states known, its restart timed.
  auto m = std::make_shared<supervise::metrics>([this] { return sched.clock().now(); });
  spec sp;
  sp.sink = [](log_level, std::string_view, std::string_view) {};
  supervisor svc{sys, "svc", sp};
  svc.add("worker", rc(rec, true));
  auto opts = options();
  opts.on_state = nullptr;
  opts.observers = {m};
  tree t{sys,
         [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "a", rc(rec, true));
           run(ctx, "svc", svc.as_runnable());
           signal(ctx, signal_type::healthy);
           return {[](ping_atom) {}};
         },
         opts};
  settle();
  send("root.svc.worker", fail_atom::value); // restarted at once by its supervisor
  send("root.a", fail_atom::value);
  advance(500ms); // the tree's backoff
  auto snap = m->snapshot();
  auto* w = find(snap, "root.svc.worker");
  BOOST_REQUIRE(w != nullptr);
  BOOST_CHECK_EQUAL(w->starts, 2u);
  BOOST_CHECK_EQUAL(w->failures_of(failure_kind::error), 1u);
  BOOST_CHECK(w->state_known);
  BOOST_CHECK(w->state == node_state::healthy); // a state change, seen by on_state
  auto* a = find(snap, "root.a");
  BOOST_REQUIRE(a != nullptr);
  BOOST_CHECK_EQUAL(a->starts, 2u);
  BOOST_CHECK(a->state == node_state::healthy);
  auto lat = m->restart_latencies();
  BOOST_REQUIRE_EQUAL(lat.size(), 2u);
  BOOST_CHECK_EQUAL(lat[0].supervisor, "root"); // root.a, after its 500 ms backoff
  BOOST_CHECK_EQUAL(lat[0].count, 1u);
  BOOST_CHECK_EQUAL(lat[0].sum, 0.5);
  BOOST_CHECK_EQUAL(lat[0].buckets[restart_latency_bucket(500ms)], 1u);
  BOOST_CHECK_EQUAL(lat[1].supervisor, "root.svc"); // the worker, at once
  BOOST_CHECK_EQUAL(lat[1].count, 1u);
  BOOST_CHECK_EQUAL(lat[1].buckets[0], 1u);
  stop(t);
  BOOST_CHECK(t.stopped());
  auto after = m->snapshot();
  BOOST_REQUIRE(find(after, "root.svc.worker") != nullptr);
  BOOST_CHECK(find(after, "root.svc.worker")->state == node_state::canceled);
}

BOOST_AUTO_TEST_SUITE_END()
