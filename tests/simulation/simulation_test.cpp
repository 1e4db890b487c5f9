// simulate() on real trees: a tree node hierarchy (Monogon), OTP and suture
// supervisors; determinism and replay; what a run refuses.
#include "supervise/simulation.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <iostream>

#include "sim_trees.hpp"
#include "supervise/errc.hpp"

using namespace supervise;
using namespace std::chrono_literals;
namespace sim = supervise::simulation;

namespace {

sim::options quick(size_t seeds, size_t faults) {
  sim::options o;
  o.seeds = seeds;
  o.faults = faults;
  o.from_environment = false;
  o.tree.stop_timeout = 2s;
  return o;
}

sim::tree_factory tree_of(runnable root) {
  return [root](caf::actor_system&) { return root; };
}

} // namespace

BOOST_AUTO_TEST_SUITE(simulation_runs)

BOOST_AUTO_TEST_CASE(a_correct_tree_holds_every_invariant_under_every_fault_kind) {
  auto report = sim::simulate(tree_of(sim_trees::service_tree()), quick(50, 200));
  BOOST_TEST_MESSAGE(report.text());
  BOOST_TEST(static_cast<bool>(report), report.text());
  BOOST_TEST(report.runs == 50u);
  BOOST_TEST(report.faults > 50u * 100u); // most draws find a live target
}

BOOST_AUTO_TEST_CASE(otp_supervisors_hold_every_invariant) {
  for (auto st : {strategy::one_for_one, strategy::one_for_all, strategy::rest_for_one}) {
    auto o = quick(30, 200);
    o.root_name = "app";
    // No child stuck in a handler: see a_child_stuck_in_a_handler_runs_beside_its_successor.
    o.mix = sim::default_mix();
    for (auto& [kind, weight] : o.mix)
      if (kind == sim::fault_kind::unkillable)
        weight = 0;
    auto report = sim::simulate([st](caf::actor_system& sys) { return sim_trees::otp_app(sys, st); }, o);
    BOOST_TEST(static_cast<bool>(report), to_string(st) << ": " << report.text());
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_log_byte_for_byte) {
  auto o = quick(1, 300);
  auto a = sim::run(tree_of(sim_trees::service_tree()), o, 7);
  auto b = sim::run(tree_of(sim_trees::service_tree()), o, 7);
  auto c = sim::run(tree_of(sim_trees::service_tree()), o, 8);
  BOOST_TEST(a.log.size() > 500u);
  BOOST_TEST(a.log == b.log);
  BOOST_TEST(a.faults == b.faults);
  BOOST_TEST(a.log != c.log);
}

BOOST_AUTO_TEST_CASE(replaying_a_run_s_schedule_gives_its_log) {
  auto o = quick(1, 300);
  auto a = sim::run(tree_of(sim_trees::service_tree()), o, 11);
  auto b = sim::replay(tree_of(sim_trees::service_tree()), o, a.faults, a.seed);
  BOOST_TEST(a.log == b.log);
  auto decoded = sim::decode(sim::encode(a.faults));
  BOOST_REQUIRE(decoded);
  BOOST_TEST((*decoded == a.faults));
  // A fault without a target only moves the clock, in a replay too.
  auto idle = sim::replay(tree_of(sim_trees::service_tree()), o, *sim::decode("1s:kill:"), 11);
  BOOST_TEST(static_cast<bool>(idle));
  BOOST_TEST(std::none_of(idle.log.begin(), idle.log.end(), [](const std::string& line) {
    return line.find("failed") != std::string::npos || line.find("fault kill ->") != std::string::npos;
  }));
  BOOST_TEST(idle.faults.size() == 1u);
}

// A blocking runnable that ticks once a simulated hour: its waits take no
// real time, it fails and restarts like any node, and its log is as exact.
BOOST_AUTO_TEST_CASE(a_blocking_runnable_waits_on_the_simulated_clock) {
  auto ticks = std::make_shared<std::atomic<int>>(0);
  auto root = sim_trees::parent_of(
    {{"worker", runnable::blocking([ticks](context& ctx) -> caf::error {
        signal(ctx, signal_type::healthy);
        while (!ctx.wait_for_stop(std::chrono::hours(1)))
          ++*ticks;
        return context::canceled();
      })},
     {"leaf", sim_trees::leaf()}});
  auto o = quick(20, 100);
  o.mean_gap = std::chrono::hours(2);
  auto t0 = std::chrono::steady_clock::now();
  auto report = sim::simulate(tree_of(root), o);
  BOOST_TEST(static_cast<bool>(report), report.text());
  BOOST_TEST(*ticks > 1000); // 20 runs of about 200 simulated hours each
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)));
  auto a = sim::run(tree_of(root), o, 3);
  auto b = sim::run(tree_of(root), o, 3);
  BOOST_TEST(a.log == b.log);
  auto worker_failed = std::count_if(a.log.begin(), a.log.end(), [](const std::string& line) {
    return line.find("child root.worker failed") != std::string::npos;
  });
  BOOST_TEST(worker_failed > 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(simulation_findings)

// Found by the simulation with interleave: a killed nested supervisor asks
// its children to stop, and its parent restarted it before they had: for a
// moment two incarnations of each child ran. Its parent now waits for them
// (its stragglers), also through a killed grandparent.
BOOST_AUTO_TEST_CASE(a_killed_supervisor_restarts_only_after_its_children_stopped) {
  auto tree = [](caf::actor_system& sys) {
    return sim_trees::otp_app(sys, strategy::one_for_one);
  };
  auto o = quick(100, 300);
  o.root_name = "app";
  o.interleave = true;
  o.mix = {{sim::fault_kind::hang_on_stop, 1}, {sim::fault_kind::kill, 1},
           {sim::fault_kind::fail, 2}};
  auto report = sim::simulate(tree, o);
  BOOST_TEST(static_cast<bool>(report), report.text());
  // The shrunk schedules of the two findings, replayed in order.
  for (auto* text : {"0s:fail:app.pool,0s:kill:app.pool",
                     "0s:hang_on_stop:app.pool.p1,0s:kill:app.pool,0s:kill:app"}) {
    auto s = sim::decode(text);
    BOOST_REQUIRE(s);
    auto r = sim::replay(tree, o, *s, 1);
    BOOST_TEST(static_cast<bool>(r), text << ": " << (r.broken ? sim::to_string(*r.broken) : ""));
  }
}

// A child stuck in a handler (a kill cannot end it) is given up on: its
// supervisor ends without it, and a restart runs beside it. The simulation
// reports that, as it must.
BOOST_AUTO_TEST_CASE(a_child_stuck_in_a_handler_runs_beside_its_successor) {
  auto tree = [](caf::actor_system& sys) {
    return sim_trees::otp_app(sys, strategy::one_for_one);
  };
  auto o = quick(200, 300);
  o.root_name = "app";
  o.mix = {{sim::fault_kind::unkillable, 1}, {sim::fault_kind::kill, 1},
           {sim::fault_kind::fail, 2}};
  auto report = sim::simulate(tree, o);
  BOOST_REQUIRE_MESSAGE(!report, "no run broke an invariant");
  auto& broken = report.failure->broken->invariant;
  BOOST_TEST((broken == "subtree_stopped" || broken == "one_incarnation"), report.text());
  BOOST_TEST(report.shrunk.size() <= 4u, report.text());
  BOOST_TEST(report.shrunk.size() <= report.failure->faults.size());
  auto again = sim::replay(tree, o, report.shrunk, report.failure->seed);
  BOOST_REQUIRE(again.broken);
  BOOST_TEST(again.broken->invariant == broken);
}

BOOST_AUTO_TEST_CASE(a_user_invariant_is_checked_after_every_step_and_shrunk_to_one_fault) {
  auto o = quick(50, 100);
  o.invariants = {{"writer_never_restarts", [](const sim::run_view& v) -> std::string {
                     for (auto& n : v.snapshot())
                       if (n.dn == "root.jobs.writer" && n.restarts > 0)
                         return "root.jobs.writer restarted";
                     return "";
                   }}};
  auto report = sim::simulate(tree_of(sim_trees::service_tree()), o);
  BOOST_REQUIRE(!report);
  BOOST_TEST(report.failure->broken->invariant == "writer_never_restarts");
  // One fault on the writer or its group's reader is enough, at t=0.
  BOOST_REQUIRE(report.shrunk.size() == 1u);
  BOOST_TEST(report.shrunk[0].at.count() == 0);
  BOOST_TEST(report.text().find("shrunk to 1 fault:") != std::string::npos, report.text());
  BOOST_TEST(report.replay_schedule.find("SUPERVISE_SIM_SCHEDULE='0s:") != std::string::npos,
             report.replay_schedule);
  // These options ignore the variables (from_environment = false): the lines say so.
  BOOST_TEST(report.replay_seed.find("needs options::from_environment = true") != std::string::npos,
             report.replay_seed);
}

BOOST_AUTO_TEST_CASE(shrinking_never_returns_a_schedule_that_passes) {
  auto o = quick(1, 200);
  o.invariants = {{"no_dead_db", [](const sim::run_view& v) -> std::string {
                     for (auto& n : v.snapshot())
                       if (n.dn == "root.api.db" && n.state == node_state::dead)
                         return "root.api.db is DEAD";
                     return "";
                   }}};
  auto tree = tree_of(sim_trees::service_tree());
  size_t shrunk_runs = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto r = sim::run(tree, o, seed);
    if (r)
      continue;
    ++shrunk_runs;
    auto s = sim::shrink(tree, o, r);
    BOOST_TEST(s.size() <= r.faults.size());
    auto again = sim::replay(tree, o, s, seed);
    BOOST_REQUIRE_MESSAGE(again.broken, "seed " << seed << ": the shrunk schedule passes");
    BOOST_TEST(again.broken->invariant == "no_dead_db");
  }
  BOOST_TEST(shrunk_runs > 5u);
}

// Found by the simulation: under one_for_all, a member failing while its
// group restarted took the counter above the threshold, and the group's
// later members, queued behind it, still started during the pause.
BOOST_AUTO_TEST_CASE(a_group_restart_held_by_the_pause_starts_no_member_during_it) {
  auto o = quick(1, 0);
  o.root_name = "app";
  auto schedule = sim::decode(
    "0s:return_normally:app.w2,0s:fail:app.w2,0s:kill:app.w2,0s:fail:app.w2,697ms:kill:app.w2,"
    "697ms:fail:app.w2,697ms:fail_start:app.w2,697ms:do_not_restart:app.w1,17s:throw_exception:"
    "app.w2,27.7s:fail:app.w2,27.7s:slow_start:app.w2,35.3s:fail:app.w2,35.3s:throw_exception:"
    "app.w2");
  BOOST_REQUIRE(schedule);
  auto r = sim::replay(
    [](caf::actor_system& sys) { return sim_trees::otp_app(sys, strategy::one_for_all); }, o,
    *schedule, 1);
  BOOST_TEST(static_cast<bool>(r), (r.broken ? sim::to_string(*r.broken) : std::string{}));
  auto pauses = std::count_if(r.log.begin(), r.log.end(), [](const std::string& line) {
    return line.find("entering backoff") != std::string::npos;
  });
  BOOST_TEST(pauses >= 1); // the case the schedule exists for happened
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(simulation_misuse)

// A tree whose runnables keep state across runs cannot be replayed: the
// report says so instead of shrinking a failure that does not come back.
BOOST_AUTO_TEST_CASE(a_tree_keeping_state_across_runs_is_named_not_deterministic) {
  auto runs = std::make_shared<int>(0);
  auto o = quick(1, 20);
  o.invariants = {{"first_run_only", [runs](const sim::run_view& v) -> std::string {
                     return *runs == 1 && v.now() > std::chrono::seconds(5) ? "broken" : "";
                   }}};
  auto report = sim::simulate(
    [runs](caf::actor_system&) {
      ++*runs;
      return sim_trees::service_tree();
    },
    o);
  BOOST_REQUIRE(!report);
  BOOST_TEST(report.failure->broken->invariant == "deterministic");
  BOOST_TEST(report.text().find("keep state from one run to the next") != std::string::npos,
             report.text());
}

BOOST_AUTO_TEST_CASE(a_factory_that_throws_or_returns_nothing_is_reported) {
  auto o = quick(3, 10);
  auto threw = sim::simulate(
    [](caf::actor_system&) -> runnable { throw std::runtime_error("no config"); }, o);
  BOOST_REQUIRE(!threw);
  BOOST_TEST(threw.text().find("the tree factory threw: no config") != std::string::npos,
             threw.text());
  auto empty = sim::simulate([](caf::actor_system&) { return runnable{}; }, o);
  BOOST_REQUIRE(!empty);
  BOOST_TEST(empty.text().find("returned an empty runnable") != std::string::npos, empty.text());
}

BOOST_AUTO_TEST_SUITE_END()
