// The built-in invariants, each fed a planted bug (a fact sequence an engine
// with that bug would produce: the check must name it) and the same sequence
// fixed (it must stay silent). The checker is the simulation's private core.
#include "simulation/checker.hpp"

#include <boost/test/unit_test.hpp>

using namespace supervise;
using namespace std::chrono_literals;
using supervise::simulation::detail::checker;

namespace {

backoff_options exact_backoff() {
  backoff_options b;
  b.initial = 500ms;
  b.multiplier = 2;
  b.max_interval = 10s;
  b.jitter = 0;
  b.min_uptime = 1s;
  return b;
}

struct facts {
  checker c{exact_backoff(), {}};
  size_t step = 0;

  // Under "app": a supervisor's service (it has a spec); else a tree node.
  void started(const char* dn, uint64_t n, caf::timespan t, const char* sup = "root") {
    static const spec app_spec;
    c.spawned(dn, n, std::string_view{sup} == "app" ? &app_spec : nullptr, 1, t);
    c.state(dn, node_state::new_, t);
    child_started ev;
    ev.supervisor = sup;
    ev.child = dn;
    ev.incarnation = n;
    c.event(event{ev}, t);
  }
  void healthy(const char* dn, uint64_t n, caf::timespan t) {
    c.state(dn, node_state::healthy, t);
    child_healthy ev;
    ev.supervisor = "root";
    ev.child = dn;
    ev.incarnation = n;
    c.event(event{ev}, t);
  }
  void failed(const char* dn, caf::timespan t, uint64_t actor = 100) {
    c.died(dn, actor, t);
    c.state(dn, node_state::dead, t);
    child_failed ev;
    ev.supervisor = "root";
    ev.child = dn;
    ev.restarting = true;
    c.event(event{ev}, t);
  }
  void stopped(const char* dn, node_state s, caf::timespan t, uint64_t actor = 100) {
    c.died(dn, actor, t);
    c.state(dn, s, t);
    child_stopped ev;
    ev.supervisor = "root";
    ev.child = dn;
    ev.state = s;
    c.event(event{ev}, t);
  }
  void step_end(caf::timespan t) { c.end_of_step(t, ++step); }
  std::string broken() const { return c.broken() ? c.broken()->invariant : std::string{}; }
};

} // namespace

BOOST_AUTO_TEST_SUITE(simulation_invariants)

BOOST_AUTO_TEST_CASE(one_incarnation_flags_a_start_beside_a_live_actor) {
  facts bug;
  bug.started("root.a", 1, 0s);
  bug.c.spawned("root.a", 2, nullptr, 1, 1s); // the old actor never died
  BOOST_TEST(bug.broken() == "one_incarnation");
  facts fixed;
  fixed.started("root.a", 1, 0s);
  fixed.failed("root.a", 1s);
  fixed.c.spawned("root.a", 2, nullptr, 1, 1s);
  BOOST_TEST(fixed.broken() == "");
}

BOOST_AUTO_TEST_CASE(subtree_stopped_flags_a_restart_before_the_children_ended) {
  facts bug;
  bug.started("root.a", 1, 0s);
  bug.started("root.a.b", 1, 0s, "root.a");
  bug.failed("root.a", 1s);
  bug.c.spawned("root.a", 2, nullptr, 1, 2s); // root.a.b still runs
  BOOST_TEST(bug.broken() == "subtree_stopped");
  facts fixed;
  fixed.started("root.a", 1, 0s);
  fixed.started("root.a.b", 1, 0s, "root.a");
  fixed.failed("root.a", 1s);
  fixed.stopped("root.a.b", node_state::canceled, 1s, 101);
  fixed.c.spawned("root.a", 2, nullptr, 1, 2s);
  BOOST_TEST(fixed.broken() == "");
}

BOOST_AUTO_TEST_CASE(parent_live_flags_a_start_under_a_dead_parent_not_under_a_done_one) {
  facts bug;
  bug.started("root", 1, 0s, "");
  bug.failed("root", 1s);
  bug.c.spawned("root.x", 1, nullptr, 1, 2s);
  BOOST_TEST(bug.broken() == "parent_live");
  facts done; // a DONE node's children keep running and restart on their own
  done.started("root", 1, 0s, "");
  done.stopped("root", node_state::done, 1s);
  done.c.spawned("root.x", 2, nullptr, 1, 2s);
  BOOST_TEST(done.broken() == "");
}

BOOST_AUTO_TEST_CASE(backoff_exact_flags_a_restart_off_its_delay) {
  facts bug; // 500 ms, then 1 s: the second restart comes 500 ms early
  bug.started("root.a", 1, 0s);
  bug.failed("root.a", 1s);
  bug.started("root.a", 2, 1500ms);
  bug.failed("root.a", 2s);
  bug.started("root.a", 3, 2500ms);
  BOOST_TEST(bug.broken() == "backoff_exact");
  BOOST_TEST(bug.c.broken()->what.find("its backoff is 1s") != std::string::npos,
             bug.c.broken()->what);
  facts fixed;
  fixed.started("root.a", 1, 0s);
  fixed.failed("root.a", 1s);
  fixed.started("root.a", 2, 1500ms);
  fixed.failed("root.a", 2s);
  fixed.started("root.a", 3, 3s);
  BOOST_TEST(fixed.broken() == "");
}

BOOST_AUTO_TEST_CASE(backoff_exact_counts_from_the_last_stop_in_the_subtree_and_resets) {
  facts f;
  f.started("root.a", 1, 0s);
  f.started("root.a.b", 1, 0s, "root.a");
  f.failed("root.a", 1s);
  f.stopped("root.a.b", node_state::canceled, 1200ms, 101); // the subtree ends later
  f.started("root.a", 2, 1700ms);                          // 500 ms after that
  f.healthy("root.a", 2, 1700ms);
  f.failed("root.a", 3s); // healthy for min_uptime: the backoff starts over
  f.started("root.a", 3, 3500ms);
  BOOST_TEST(f.broken() == "");
}

BOOST_AUTO_TEST_CASE(pause_flags_a_restart_during_it_and_a_late_resume) {
  auto entered = [](facts& f, caf::timespan t) {
    backoff_entered ev;
    ev.supervisor = "app";
    ev.delay = 3s;
    f.c.event(event{ev}, t);
  };
  auto resumed = [](facts& f, caf::timespan t) {
    backoff_resumed ev;
    ev.supervisor = "app";
    f.c.event(event{ev}, t);
  };
  facts bug;
  bug.started("app.w", 1, 0s, "app");
  bug.failed("app.w", 1s);
  entered(bug, 1s);
  bug.started("app.w", 2, 2s, "app");
  BOOST_TEST(bug.broken() == "pause");
  facts late;
  entered(late, 1s);
  resumed(late, 4500ms);
  BOOST_TEST(late.broken() == "pause");
  facts fixed;
  fixed.started("app.w", 1, 0s, "app");
  fixed.failed("app.w", 1s);
  entered(fixed, 1s);
  fixed.started("app.n", 1, 2s, "app"); // a first start (add) is no restart
  resumed(fixed, 4s);
  fixed.started("app.w", 2, 4s, "app");
  BOOST_TEST(fixed.broken() == "");
}

BOOST_AUTO_TEST_CASE(intensity_flags_a_supervisor_giving_up_too_early) {
  auto gave_up = [](facts& f, caf::timespan t) {
    supervisor_gave_up ev;
    ev.supervisor = "app";
    ev.child = "app.w";
    ev.max_restarts = 2;
    ev.period = 5s;
    f.c.event(event{ev}, t);
  };
  auto fail_restarting = [](facts& f, uint64_t n, caf::timespan t) {
    f.started("app.w", n, t, "app");
    f.c.died("app.w", 100 + n, t);
    f.c.state("app.w", node_state::dead, t);
    child_failed ev;
    ev.supervisor = "app";
    ev.child = "app.w";
    ev.restarting = true;
    f.c.event(event{ev}, t);
  };
  facts bug; // one restart within 5 s, then it gives up: max is 2
  fail_restarting(bug, 1, 0s);
  fail_restarting(bug, 2, 6s); // the first fell out of the window
  gave_up(bug, 7s);
  BOOST_TEST(bug.broken() == "intensity");
  facts fixed;
  fail_restarting(fixed, 1, 3s);
  fail_restarting(fixed, 2, 6s);
  gave_up(fixed, 7s);
  BOOST_TEST(fixed.broken() == "");
}

BOOST_AUTO_TEST_CASE(events_agree_flags_each_disagreement) {
  facts twice; // a second start event while the first incarnation runs
  twice.started("root.a", 1, 0s);
  child_started again;
  again.supervisor = "root";
  again.child = "root.a";
  again.incarnation = 2;
  twice.c.event(event{again}, 0s);
  BOOST_TEST(twice.broken() == "events_agree");
  facts skipped;
  skipped.started("root.a", 1, 0s);
  skipped.failed("root.a", 1s);
  skipped.started("root.a", 3, 2s);
  BOOST_TEST(skipped.broken() == "events_agree");
  facts ghost; // an end without a start
  ghost.failed("root.a", 1s);
  BOOST_TEST(ghost.broken() == "events_agree");
  facts dead_actor; // listed as started, but its actor died unreported
  dead_actor.started("root.a", 1, 0s);
  dead_actor.c.died("root.a", 100, 1s);
  dead_actor.step_end(1s);
  BOOST_TEST(dead_actor.broken() == "events_agree");
  facts wrong_state; // the event says DONE, the state says CANCELED
  wrong_state.started("root.a", 1, 0s);
  wrong_state.step_end(0s);
  wrong_state.c.died("root.a", 100, 1s);
  wrong_state.c.state("root.a", node_state::canceled, 1s);
  child_stopped ev;
  ev.supervisor = "root";
  ev.child = "root.a";
  ev.state = node_state::done;
  wrong_state.c.event(event{ev}, 1s);
  wrong_state.step_end(1s);
  BOOST_TEST(wrong_state.broken() == "events_agree");
  facts fixed;
  fixed.started("root.a", 1, 0s);
  fixed.healthy("root.a", 1, 0s);
  fixed.step_end(0s);
  fixed.stopped("root.a", node_state::done, 1s);
  fixed.step_end(1s);
  BOOST_TEST(fixed.broken() == "");
}

BOOST_AUTO_TEST_CASE(events_agree_compares_the_snapshot) {
  facts f;
  f.started("root.a", 1, 0s);
  f.healthy("root.a", 1, 0s);
  node_info listed;
  listed.dn = "root.a";
  listed.state = node_state::healthy;
  listed.actor = 7;
  f.c.compare({listed}, 0s);
  BOOST_TEST(f.broken() == "");
  listed.state = node_state::dead;
  f.c.compare({listed}, 0s);
  BOOST_TEST(f.broken() == "events_agree");
}

BOOST_AUTO_TEST_CASE(stop_bound_flags_a_stop_past_its_bound) {
  facts bug;
  bug.c.stopped(1s, 3100ms, 2050ms);
  BOOST_TEST(bug.broken() == "stop_bound");
  facts fixed;
  fixed.c.stopped(1s, 3050ms, 2050ms);
  BOOST_TEST(fixed.broken() == "");
}

BOOST_AUTO_TEST_CASE(a_skipped_invariant_is_not_reported) {
  checker c{exact_backoff(), {"stop_bound"}};
  c.stopped(1s, 9s, 2s);
  BOOST_TEST(!c.broken());
}

BOOST_AUTO_TEST_SUITE_END()
